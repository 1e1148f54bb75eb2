import { CalendarError } from './calendar-error.ts';
import { createDayProbe, illustrativeWarning, provisionalWarning } from './day-probe.ts';
import { endOfLocalDay, localTimeOn, toLocalDate } from './instant.ts';
import { addDays } from './local-date.ts';
import type { Calendar, DeadlineResult, Duration, LocalDate } from './types.ts';

export interface AddPeriodOptions {
  /** When the last day ends: at 24:00 (default), or at the calendar's declared close of business. */
  endAt?: 'midnight' | 'office-close';
}

/** Milliseconds per unit for the periods that run on the clock rather than the calendar. */
export const UNIT_MS = { h: 3_600_000, min: 60_000 } as const;

function checkPeriod(period: Duration): void {
  const whole = period.unit === 'wd' || period.unit === 'd';
  const ok = whole ? Number.isSafeInteger(period.amount) : Number.isFinite(period.amount);
  if (!ok || period.amount < 0) {
    throw new CalendarError(
      'calendar.invalid-argument',
      `period ${String(period.amount)}${period.unit} is invalid; the amount must be a non-negative ` +
        `${whole ? 'whole number' : 'number'}`,
    );
  }
}

function endOfDueDay(calendar: Calendar, dueDate: LocalDate, endAt: AddPeriodOptions['endAt'], warnings: string[]): number {
  if (endAt !== 'office-close') return endOfLocalDay(dueDate);
  if (calendar.officeClose === undefined) {
    warnings.push(
      `日历 ${calendar.id} 未规定下班时间，期限按当日 24:00 截止。 ` +
        `Calendar ${calendar.id} declares no office hours; the period ends at 24:00.`,
    );
    return endOfLocalDay(dueDate);
  }
  return localTimeOn(dueDate, calendar.officeClose);
}

/**
 * When a period that starts at `from` ends. Pure.
 *
 * - The start day itself is not counted (民法典 Art. 201).
 * - `wd`: the end of the Nth working day after the start day; make-up workdays count, weekends and
 *   statutory holidays do not (行政许可法 Art. 82).
 * - `d`: the Nth natural day after the start day; if that day is not a working day the period ends at
 *   the end of the next working day (民法典 Art. 203).
 * - `h` / `min`: exactly that much time after `from`, with no rolling; `endAt` does not apply.
 * - An amount of 0 ends at `from`.
 *
 * "End of day" is 23:59:59.999+08:00, or the calendar's `officeClose` when `endAt: 'office-close'`
 * (default `'midnight'`; without declared office hours it stays midnight and a warning says so). Days
 * outside the calendar's coverage are counted on weekends alone and make the result `provisional`,
 * with a zh + en warning.
 * @throws CalendarError `calendar.invalid-argument` for a negative or fractional day amount,
 *   `calendar.invalid-instant` when `from` is not whole epoch milliseconds.
 */
export function addPeriod(
  calendar: Calendar,
  from: number,
  period: Duration,
  options: AddPeriodOptions = {},
): DeadlineResult {
  checkPeriod(period);
  const startDate = toLocalDate(from);
  const warnings: string[] = calendar.illustrative ? [illustrativeWarning(calendar)] : [];
  if (period.unit === 'h' || period.unit === 'min') {
    const due = from + Math.round(period.amount * UNIT_MS[period.unit]);
    return { due, dueDate: toLocalDate(due), provisional: false, warnings };
  }
  if (period.amount === 0) return { due: from, dueDate: startDate, provisional: false, warnings };
  const probe = createDayProbe(calendar);
  let dueDate: LocalDate;
  if (period.unit === 'wd') {
    dueDate = startDate;
    for (let counted = 0; counted < period.amount; ) {
      dueDate = addDays(dueDate, 1);
      if (probe.isWorkingDay(dueDate)) counted++;
    }
  } else {
    dueDate = addDays(startDate, period.amount);
    while (!probe.isWorkingDay(dueDate)) dueDate = addDays(dueDate, 1);
  }
  const uncovered = probe.firstUncovered;
  if (uncovered !== undefined) warnings.unshift(provisionalWarning(calendar, uncovered));
  const due = endOfDueDay(calendar, dueDate, options.endAt, warnings);
  return { due, dueDate, provisional: uncovered !== undefined, warnings };
}

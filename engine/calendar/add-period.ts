import { CalendarError } from './calendar-error.ts';
import { illustrativeWarning, provisionalWarning } from './coverage.ts';
import { endOfDayNumber, localDayNumber, localTimeOn, toLocalDate } from './instant.ts';
import { LAST_DAY, checkWritableDay, fromDayNumber } from './local-date.ts';
import { workingDayTable } from './working-day-table.ts';
import type { Calendar, DeadlineResult, Duration } from './types.ts';

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

function endOfDueDay(calendar: Calendar, dueDay: number, endAt: AddPeriodOptions['endAt'], warnings: string[]): number {
  if (endAt !== 'office-close') return endOfDayNumber(dueDay);
  if (calendar.officeClose === undefined) {
    warnings.push(
      `日历 ${calendar.id} 未规定下班时间，期限按当日 24:00 截止。 ` +
        `Calendar ${calendar.id} declares no office hours; the period ends at 24:00.`,
    );
    return endOfDayNumber(dueDay);
  }
  return localTimeOn(dueDay, calendar.officeClose);
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
 *   `calendar.invalid-instant` when `from` is not whole epoch milliseconds, `calendar.invalid-date` when a
 *   day period starts or ends outside the years 0000–9999.
 */
export function addPeriod(
  calendar: Calendar,
  from: number,
  period: Duration,
  options: AddPeriodOptions = {},
): DeadlineResult {
  checkPeriod(period);
  const startDay = localDayNumber(from);
  const warnings: string[] = calendar.illustrative ? [illustrativeWarning(calendar)] : [];
  if (period.unit === 'h' || period.unit === 'min') {
    const due = from + Math.round(period.amount * UNIT_MS[period.unit]);
    return { due, dueDate: toLocalDate(due), provisional: false, warnings };
  }
  if (period.amount === 0) return { due: from, dueDate: fromDayNumber(startDay), provisional: false, warnings };
  checkWritableDay(startDay);
  const table = workingDayTable(calendar);
  // The days examined run from `firstExamined` up to the due day: for wd every day after the start day,
  // for d the Nth day and any days it rolls over.
  let firstExamined: number;
  let dueDay: number;
  if (period.unit === 'wd') {
    firstExamined = startDay + 1;
    dueDay = table.dayOfRank(table.rank(startDay) + period.amount);
  } else {
    firstExamined = startDay + period.amount;
    dueDay = table.isWorkingDay(firstExamined) ? firstExamined : table.dayOfRank(table.rank(firstExamined) + 1);
  }
  // Past 9999-12-31 fail as a day-by-day walk would: on the first day examined that YYYY-MM-DD cannot write.
  if (dueDay > LAST_DAY) checkWritableDay(Math.max(firstExamined, LAST_DAY + 1));
  const uncovered = table.firstUncovered(firstExamined, dueDay);
  if (uncovered !== undefined) warnings.unshift(provisionalWarning(calendar, fromDayNumber(uncovered)));
  const due = endOfDueDay(calendar, dueDay, options.endAt, warnings);
  return { due, dueDate: fromDayNumber(dueDay), provisional: uncovered !== undefined, warnings };
}

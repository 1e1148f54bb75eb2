import { CalendarError } from './calendar-error.ts';
import { createDayProbe } from './day-probe.ts';
import { toLocalDate } from './instant.ts';
import { addDays, dayNumber } from './local-date.ts';
import type { Calendar, DurationUnit, LocalDate } from './types.ts';

/**
 * Working days `d` with `fromExclusive < d <= toInclusive` — the same count `addPeriod` uses, so a `wd`
 * period started on `fromExclusive` has run `days` working days by the end of `toInclusive`. A range
 * that is empty or runs backwards counts 0. Days outside coverage count on weekends alone and set
 * `provisional`. Pure.
 * @throws CalendarError `calendar.invalid-date` on a malformed date.
 */
export function countWorkingDays(
  calendar: Calendar,
  fromExclusive: LocalDate,
  toInclusive: LocalDate,
): { days: number; provisional: boolean } {
  const span = dayNumber(toInclusive) - dayNumber(fromExclusive);
  const probe = createDayProbe(calendar);
  let days = 0;
  for (let i = 1, date = fromExclusive; i <= span; i++) {
    date = addDays(date, 1);
    if (probe.isWorkingDay(date)) days++;
  }
  return { days, provisional: probe.firstUncovered !== undefined };
}

/**
 * Natural days from `fromExclusive` to `toInclusive` (0 when the range is empty or backwards). Pure; needs
 * no calendar, so it is never provisional.
 * @throws CalendarError `calendar.invalid-date` on a malformed date.
 */
export function countNaturalDays(fromExclusive: LocalDate, toInclusive: LocalDate): number {
  return Math.max(0, dayNumber(toInclusive) - dayNumber(fromExclusive));
}

/**
 * The working day `n` working days before `date` (`n = 0` gives `date` itself), e.g. the day a
 * "1 working day left" reminder is due. For `n >= 1` the answer is always a working day, and when
 * `date` is a working day `countWorkingDays(calendar, answer, date).days === n`. Pure.
 * @throws CalendarError `calendar.invalid-argument` when `n` is not a non-negative whole number,
 *   `calendar.invalid-date` on a malformed date.
 */
export function subtractWorkingDays(
  calendar: Calendar,
  date: LocalDate,
  n: number,
): { date: LocalDate; provisional: boolean } {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new CalendarError('calendar.invalid-argument', `cannot go back ${String(n)} working days; expected a whole number ≥ 0`);
  }
  dayNumber(date); // refuse a malformed date even when n = 0 returns it unchanged
  const probe = createDayProbe(calendar);
  let result = date;
  for (let counted = 0; counted < n; ) {
    result = addDays(result, -1);
    if (probe.isWorkingDay(result)) counted++;
  }
  return { date: result, provisional: probe.firstUncovered !== undefined };
}

/**
 * Time between two instants in a clock's unit: working days or natural days between their Asia/Shanghai
 * dates (counted as `countWorkingDays` / `countNaturalDays` do), or milliseconds for `h` and `min`.
 * `to <= from` gives 0. Pure.
 * @throws CalendarError `calendar.invalid-instant` when an instant is not whole epoch milliseconds.
 */
export function elapsedInUnit(
  calendar: Calendar,
  from: number,
  to: number,
  unit: DurationUnit,
): { amount: number; provisional: boolean } {
  const [fromDate, toDate] = [toLocalDate(from), toLocalDate(to)];
  if (to <= from) return { amount: 0, provisional: false };
  if (unit === 'wd') {
    const { days, provisional } = countWorkingDays(calendar, fromDate, toDate);
    return { amount: days, provisional };
  }
  if (unit === 'd') return { amount: countNaturalDays(fromDate, toDate), provisional: false };
  return { amount: to - from, provisional: false };
}

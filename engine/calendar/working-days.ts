import { CalendarError } from './calendar-error.ts';
import { localDayNumber } from './instant.ts';
import { FIRST_DAY, checkWritableDay, dayNumber, fromDayNumber } from './local-date.ts';
import { workingDayTable } from './working-day-table.ts';
import type { Calendar, DurationUnit, LocalDate } from './types.ts';

function countBetween(calendar: Calendar, fromDay: number, toDay: number): { days: number; provisional: boolean } {
  if (toDay <= fromDay) return { days: 0, provisional: false };
  const table = workingDayTable(calendar);
  return {
    days: table.rank(toDay) - table.rank(fromDay),
    provisional: table.firstUncovered(fromDay + 1, toDay) !== undefined,
  };
}

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
  const toDay = dayNumber(toInclusive); // the end first, so two bad dates are reported as before
  return countBetween(calendar, dayNumber(fromExclusive), toDay);
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
 *   `calendar.invalid-date` on a malformed date or when the answer would fall before the year 0000.
 */
export function subtractWorkingDays(
  calendar: Calendar,
  date: LocalDate,
  n: number,
): { date: LocalDate; provisional: boolean } {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new CalendarError('calendar.invalid-argument', `cannot go back ${String(n)} working days; expected a whole number ≥ 0`);
  }
  const day = dayNumber(date); // refuse a malformed date even when n = 0 returns it unchanged
  if (n === 0) return { date, provisional: false };
  const table = workingDayTable(calendar);
  // The nth working day back from the day before `date` is the working day whose rank is n - 1 below it.
  const answer = table.dayOfRank(table.rank(day - 1) - n + 1);
  // Before 0000-01-01 fail as a day-by-day walk would: on the first day YYYY-MM-DD cannot write.
  if (answer < FIRST_DAY) checkWritableDay(FIRST_DAY - 1);
  return { date: fromDayNumber(answer), provisional: table.firstUncovered(answer, day - 1) !== undefined };
}

/**
 * Time between two instants in a clock's unit: working days or natural days between their Asia/Shanghai
 * dates (counted as `countWorkingDays` / `countNaturalDays` do), or milliseconds for `h` and `min`.
 * `to <= from` gives 0. Pure.
 * @throws CalendarError `calendar.invalid-instant` when an instant is not whole epoch milliseconds,
 *   `calendar.invalid-date` for a day unit when an instant's date lies outside the years 0000–9999.
 */
export function elapsedInUnit(
  calendar: Calendar,
  from: number,
  to: number,
  unit: DurationUnit,
): { amount: number; provisional: boolean } {
  const fromDay = localDayNumber(from);
  const toDay = localDayNumber(to);
  if (to <= from) return { amount: 0, provisional: false };
  if (unit !== 'wd' && unit !== 'd') return { amount: to - from, provisional: false };
  checkWritableDay(toDay);
  checkWritableDay(fromDay);
  if (unit === 'd') return { amount: toDay - fromDay, provisional: false };
  const { days, provisional } = countBetween(calendar, fromDay, toDay);
  return { amount: days, provisional };
}

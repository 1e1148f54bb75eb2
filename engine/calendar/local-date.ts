import { CalendarError } from './calendar-error.ts';
import type { LocalDate } from './types.ts';

// Civil-date arithmetic on day numbers (days since 1970-01-01) with Howard Hinnant's
// integer algorithms: no Date object, so nothing can depend on the host's time zone.

const DASH = 0x2d;

function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** Days in `month` (1–12) of `year`, Gregorian. Pure. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The number written by the `count` ASCII digits at `at`, or -1 when one of them is not a digit. */
function digitsAt(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * The day number of `text`, or undefined when it is not a real `YYYY-MM-DD` date. Reads the characters
 * directly rather than with a regex: every public function validates its dates here, on every call.
 */
function parseDate(text: unknown): number | undefined {
  if (typeof text !== 'string' || text.length !== 10 || text.charCodeAt(4) !== DASH || text.charCodeAt(7) !== DASH) {
    return undefined;
  }
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return daysFromCivil(year, month, day);
}

/** True when `text` is a real calendar date written `YYYY-MM-DD`. Pure; never throws. */
export function isLocalDate(text: unknown): text is LocalDate {
  return parseDate(text) !== undefined;
}

function invalidDate(text: unknown): CalendarError {
  return new CalendarError('calendar.invalid-date', `'${String(text)}' is not a date; expected YYYY-MM-DD, e.g. 2026-10-08`);
}

/**
 * Day number of `date` (days since 1970-01-01). Pure.
 * @throws CalendarError `calendar.invalid-date` when `date` is not a real `YYYY-MM-DD` date.
 */
export function dayNumber(date: LocalDate): number {
  const days = parseDate(date);
  if (days === undefined) throw invalidDate(date);
  return days;
}

/** Day numbers of 0000-01-01 and 9999-12-31, the days `YYYY-MM-DD` can write. */
export const FIRST_DAY = daysFromCivil(0, 1, 1);
export const LAST_DAY = daysFromCivil(9999, 12, 31);

/**
 * Refuses a day `YYYY-MM-DD` cannot write. Pure.
 * @throws CalendarError `calendar.invalid-date` naming the day as `fromDayNumber` prints it — the error a
 *   day-by-day walk met when it stepped past year 9999 or before year 0.
 */
export function checkWritableDay(day: number): void {
  if (day < FIRST_DAY || day > LAST_DAY) throw invalidDate(fromDayNumber(day));
}

/** Day of the week of a day number, 0 = Sunday … 6 = Saturday. Pure. */
export function weekdayOfDay(day: number): number {
  // 1970-01-01 was a Thursday (4).
  return (((day + 4) % 7) + 7) % 7;
}

/** The `YYYY-MM-DD` date of a day number. Pure; years outside 0–9999 are not supported. */
export function fromDayNumber(days: number): LocalDate {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const yyyy = year >= 1000 && year <= 9999 ? String(year) : String(year).padStart(4, '0');
  return `${yyyy}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}

/** `date` moved by `days` (negative moves back). Pure. @throws CalendarError on a malformed date. */
export function addDays(date: LocalDate, days: number): LocalDate {
  return fromDayNumber(dayNumber(date) + days);
}

/** Day of the week, 0 = Sunday … 6 = Saturday. Pure. @throws CalendarError on a malformed date. */
export function weekdayOf(date: LocalDate): number {
  return weekdayOfDay(dayNumber(date));
}

/** True for Monday to Friday: the rule for days no notice covers. Pure. */
export function isWeekday(date: LocalDate): boolean {
  const weekday = weekdayOf(date);
  return weekday !== 0 && weekday !== 6;
}

import { CalendarError } from './calendar-error.ts';
import { dayNumber, daysInMonth, fromDayNumber, isLocalDate } from './local-date.ts';
import type { LocalDate } from './types.ts';

// Asia/Shanghai has kept a fixed UTC+08:00 offset, without daylight saving, since 1991, so every
// conversion below adds a constant offset instead of asking Intl or the host's time zone. That makes
// results identical on servers running with TZ=UTC, Asia/Shanghai or anything else.
const OFFSET_MS = 8 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

function checkInstant(ms: number): void {
  if (!Number.isSafeInteger(ms)) {
    throw new CalendarError('calendar.invalid-instant', `instant ${String(ms)} is not a whole number of epoch milliseconds`);
  }
}

/** The day number (days since 1970-01-01) of the Asia/Shanghai date containing instant `ms`. Pure. @throws CalendarError for a non-integer instant. */
export function localDayNumber(ms: number): number {
  checkInstant(ms);
  return Math.floor((ms + OFFSET_MS) / DAY_MS);
}

/** The Asia/Shanghai calendar date containing instant `ms`. Pure. @throws CalendarError for a non-integer instant. */
export function toLocalDate(ms: number): LocalDate {
  return fromDayNumber(localDayNumber(ms));
}

/** 00:00:00.000+08:00 of `date`, epoch ms. Pure. @throws CalendarError on a malformed date. */
export function startOfLocalDay(date: LocalDate): number {
  return dayNumber(date) * DAY_MS - OFFSET_MS;
}

/** 23:59:59.999+08:00 of `date` — the last instant of the day, epoch ms. Pure. @throws CalendarError on a malformed date. */
export function endOfLocalDay(date: LocalDate): number {
  return endOfDayNumber(dayNumber(date));
}

/** 23:59:59.999+08:00 of day number `day`, epoch ms. Pure. */
export function endOfDayNumber(day: number): number {
  return day * DAY_MS - OFFSET_MS + DAY_MS - 1;
}

/** `HH:MM` in +08:00 on day number `day`, epoch ms. Pure. @throws CalendarError on a malformed time. */
export function localTimeOn(day: number, time: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!match) {
    throw new CalendarError('calendar.invalid-instant', `'${time}' is not a time of day; expected HH:MM, e.g. 17:30`);
  }
  return day * DAY_MS - OFFSET_MS + (Number(match[1]) * 60 + Number(match[2])) * 60_000;
}

/**
 * ISO 8601 in +08:00 with milliseconds, e.g. `2026-10-30T23:59:59.999+08:00`. Pure.
 * @throws CalendarError `calendar.invalid-instant` for a non-integer instant.
 */
export function formatInstant(ms: number): string {
  checkInstant(ms);
  const local = ms + OFFSET_MS;
  const day = Math.floor(local / DAY_MS);
  let rest = local - day * DAY_MS;
  const millis = rest % 1000;
  rest = (rest - millis) / 1000;
  const two = (n: number): string => String(n).padStart(2, '0');
  const time = `${two(Math.floor(rest / 3600))}:${two(Math.floor(rest / 60) % 60)}:${two(rest % 60)}`;
  return `${fromDayNumber(day)}T${time}.${String(millis).padStart(3, '0')}+08:00`;
}

const DATE_TIME =
  /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

function invalid(text: string, why: string): CalendarError {
  return new CalendarError(
    'calendar.invalid-instant',
    `'${text}' ${why}; expected YYYY-MM-DD (that day 00:00 +08:00) or an ISO 8601 date-time with offset, ` +
      `e.g. 2026-09-28 or 2026-09-28T09:30:00+08:00`,
  );
}

/**
 * Reads `YYYY-MM-DD` (that day 00:00 in +08:00) or an ISO 8601 date-time with an offset (`Z`, `+08:00`,
 * `-0500`) into epoch ms. A date-time without offset is refused rather than guessed. Pure.
 * @throws CalendarError `calendar.invalid-instant` naming the text and the accepted forms.
 */
export function parseInstant(text: string): number {
  const trimmed = text.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(trimmed)) {
    if (!isLocalDate(trimmed)) throw invalid(text, 'is not a real date');
    return startOfLocalDay(trimmed);
  }
  const match = DATE_TIME.exec(trimmed);
  if (!match) throw invalid(text, 'is not a date or date-time');
  const [, date = '', hh = '', mm = '', ss = '0', fraction = '', offset] = match;
  if (offset === undefined) throw invalid(text, 'has no offset (add +08:00 for Beijing time)');
  const [year, month, day] = [Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10))];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) throw invalid(text, 'is not a real date');
  const [hours, minutes, seconds] = [Number(hh), Number(mm), Number(ss)];
  if (hours > 23 || minutes > 59 || seconds > 59) throw invalid(text, 'has an impossible time of day');
  let offsetMinutes = 0;
  if (offset.toUpperCase() !== 'Z') {
    const digits = offset.slice(1).replace(':', '');
    const offsetHours = Number(digits.slice(0, 2));
    const offsetMins = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (offsetHours > 23 || offsetMins > 59) throw invalid(text, 'has an impossible offset');
    offsetMinutes = (offset.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const millis = Number(`${fraction}000`.slice(0, 3));
  const utcDay = dayNumber(date);
  return utcDay * DAY_MS + ((hours * 60 + minutes - offsetMinutes) * 60 + seconds) * 1000 + millis;
}

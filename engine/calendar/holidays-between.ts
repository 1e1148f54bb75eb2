import { addDays, dayNumber, isWeekday } from './local-date.ts';
import type { Calendar, LocalDate, LocalizedText } from './types.ts';

/** A run of consecutive days of one holiday, e.g. 国庆节 2026-10-01 – 2026-10-07. */
export interface HolidaySpan {
  from: LocalDate;
  to: LocalDate;
  name: LocalizedText;
  /** How many of the span's days would otherwise have been working days (Monday–Friday). */
  weekdays: number;
}

/**
 * The holidays on days `fromExclusive < d <= toInclusive`, grouped into spans of consecutive days with
 * the same name — what a period starting on `fromExclusive` skipped. Pure.
 * @throws CalendarError `calendar.invalid-date` on a malformed date.
 */
export function holidaysBetween(calendar: Calendar, fromExclusive: LocalDate, toInclusive: LocalDate): HolidaySpan[] {
  const spans: HolidaySpan[] = [];
  const span = dayNumber(toInclusive) - dayNumber(fromExclusive);
  let current: HolidaySpan | undefined;
  for (let i = 1, date = fromExclusive; i <= span; i++) {
    date = addDays(date, 1);
    const name = calendar.holidayTitle?.(date) ?? nameOnly(calendar.holidayName(date));
    if (name === undefined) {
      current = undefined;
      continue;
    }
    const weekdays = isWeekday(date) ? 1 : 0;
    if (current && current.name.zh === name.zh) {
      current.to = date;
      current.weekdays += weekdays;
    } else {
      current = { from: date, to: date, name, weekdays };
      spans.push(current);
    }
  }
  return spans;
}

function nameOnly(zh: string | undefined): LocalizedText | undefined {
  return zh === undefined ? undefined : { zh };
}

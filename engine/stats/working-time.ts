import { countNaturalDays, toLocalDate } from '../calendar/index.ts';
import { localDayNumber } from '../calendar/instant.ts';
import { checkWritableDay } from '../calendar/local-date.ts';
import type { Calendar, LocalDate } from '../calendar/types.ts';
import { workingDayTable } from '../calendar/working-day-table.ts';
import type { ClockState, InstanceSnapshot } from '../step/types.ts';

const HOUR_MS = 3_600_000;

// The last few days formatted: a batch counts most of its figures on a handful of days.
const DAY_TEXT = new Map<number, LocalDate>();
const DAY_TEXT_LIMIT = 4096;

/** The Asia/Shanghai day an instant belongs to: the day it is counted on. Pure. */
export function statsDay(at: number): LocalDate {
  const day = localDayNumber(at);
  let text = DAY_TEXT.get(day);
  if (text === undefined) {
    text = toLocalDate(at);
    if (DAY_TEXT.size >= DAY_TEXT_LIMIT) DAY_TEXT.clear();
    DAY_TEXT.set(day, text);
  }
  return text;
}

/**
 * Working days from `from` to `to`: working days after the day of `from` up to and including the
 * day of `to` (民法典 Art. 201: the start day is not counted). 0 when `to` is on the same day or
 * earlier. Days past the calendar's coverage count on weekends alone. Pure.
 */
export function workingDaysBetween(calendar: Calendar, from: number, to: number): number {
  // `countWorkingDays(calendar, toLocalDate(from), toLocalDate(to)).days` on day numbers, without
  // writing and parsing the two dates: the same rank difference of the calendar's working-day table.
  const fromDay = localDayNumber(from);
  const toDay = localDayNumber(to);
  checkWritableDay(toDay);
  checkWritableDay(fromDay);
  if (toDay <= fromDay) return 0;
  const table = workingDayTable(calendar);
  return table.rank(toDay) - table.rank(fromDay);
}

/** `from` → `to` in `unit`: working days, natural days (both start day excluded) or whole hours. Pure. */
export function amountBetween(calendar: Calendar, from: number, to: number, unit: 'd' | 'wd' | 'h'): number {
  if (unit === 'wd') return workingDaysBetween(calendar, from, to);
  if (unit === 'd') return countNaturalDays(toLocalDate(from), toLocalDate(to));
  return Math.max(0, Math.floor((to - from) / HOUR_MS));
}

/**
 * Working days excluded by the pauses of a clock (行政许可法 Art. 45): for each closed pause,
 * `workingDaysBetween(pause.from, pause.to)`. 0 when there is no clock. Pure.
 */
export function pausedWorkingDays(calendar: Calendar, state: ClockState | undefined): number {
  if (!state) return 0;
  let total = 0;
  for (const pause of state.pauses) if (pause.to !== undefined) total += workingDaysBetween(calendar, pause.from, pause.to);
  return total;
}

/** The leaf states of an XState state value (the states that have no active child), sorted. Pure. */
export function leafStates(value: InstanceSnapshot['value']): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v !== '') out.push(v);
    } else if (v && typeof v === 'object') {
      for (const [key, child] of Object.entries(v)) {
        if (child && (typeof child === 'string' || Object.keys(child).length > 0)) walk(child);
        else out.push(key);
      }
    }
  };
  walk(value);
  return out.sort();
}

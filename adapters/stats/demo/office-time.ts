import { addDays, startOfLocalDay, toLocalDate } from '../../../engine/calendar/index.ts';
import type { Calendar } from '../../../engine/calendar/types.ts';
import type { SeededRandom } from './seeded-random.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Office hours of a service centre window, Asia/Shanghai. */
const OPEN = 9 * HOUR;
const CLOSE = 17 * HOUR;

/** A random instant within office hours of `date` (Asia/Shanghai), not before `notBefore`; undefined if the day is over. */
function officeTimeOn(date: string, notBefore: number, rng: SeededRandom): number | undefined {
  const start = Math.max(startOfLocalDay(date) + OPEN, notBefore);
  const end = startOfLocalDay(date) + CLOSE;
  if (start >= end) return undefined;
  return start + Math.floor(rng.next() * (end - start));
}

/**
 * When staff act `wd` working days after `now`: a random office-hours instant on the `wd`-th
 * working day after today (`wd = 0`: later today if the office is still open, else the next
 * working day), at least ten minutes after `now`.
 */
export function afterWorkingDays(calendar: Calendar, now: number, wd: number, rng: SeededRandom): number {
  let date = toLocalDate(now);
  let remaining = wd;
  if (remaining === 0 && calendar.isWorkingDay(date)) {
    const today = officeTimeOn(date, now + 10 * MINUTE, rng);
    if (today !== undefined) return today;
  }
  if (remaining === 0) remaining = 1;
  while (remaining > 0) {
    date = addDays(date, 1);
    if (calendar.isWorkingDay(date)) remaining -= 1;
  }
  return officeTimeOn(date, now + 10 * MINUTE, rng) ?? startOfLocalDay(date) + OPEN;
}

/** When an applicant acts `days` natural days after `now`: a random instant between 08:00 and 22:00 that day. */
export function afterNaturalDays(now: number, days: number, rng: SeededRandom): number {
  const date = addDays(toLocalDate(now), days);
  const at = startOfLocalDay(date) + 8 * HOUR + Math.floor(rng.next() * 14 * HOUR);
  return Math.max(at, now + 10 * MINUTE);
}

/** Arrival instants of `count` applications on `date`: office hours on working days (window), any hour otherwise (online). */
export function arrivalsOn(calendar: Calendar, date: string, count: number, rng: SeededRandom): number[] {
  const day = startOfLocalDay(date);
  const working = calendar.isWorkingDay(date);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    out.push(working ? day + OPEN + Math.floor(rng.next() * (CLOSE - OPEN)) : day + 7 * HOUR + Math.floor(rng.next() * 16 * HOUR));
  }
  return out.sort((a, b) => a - b);
}

import { FIRST_DAY, LAST_DAY, fromDayNumber, weekdayOfDay } from './local-date.ts';
import type { Calendar } from './types.ts';

/**
 * A calendar's working days as numbers, for arithmetic without walking day by day. Days are day numbers
 * (days since 1970-01-01). Inside the calendar's coverage the calendar decides; outside it Monday–Friday
 * work, the rule the deadline functions' provisional results use.
 */
export interface WorkingDayTable {
  /** First covered day. */
  readonly first: number;
  /** Last covered day; `first - 1` when the coverage is empty. */
  readonly last: number;
  isWorkingDay(day: number): boolean;
  /**
   * Working days from `first` up to and including `day` (negated, those from `day + 1` to `first - 1`,
   * when `day` is before `first`). Differences count working days: `rank(b) - rank(a)` is the number
   * with `a < d <= b`.
   */
  rank(day: number): number;
  /** The first day whose rank reaches `rank` — the working day that has exactly that rank. */
  dayOfRank(rank: number): number;
  /** The first day of `from..to` (inclusive, ascending) outside the coverage, if any. */
  firstUncovered(from: number, to: number): number | undefined;
}

// 1970-01-05, a Monday: weekdays are numbered from it (0, 1, …, and -1 for the Friday before).
const MONDAY = 4;

/** Mon–Fri days in `MONDAY <= d < day`, negative before MONDAY, so differences count any range. */
function weekdaysBefore(day: number): number {
  const offset = day - MONDAY;
  const weeks = Math.floor(offset / 7);
  return weeks * 5 + Math.min(offset - weeks * 7, 5);
}

/** The Mon–Fri day numbered `index` from MONDAY (the inverse of `weekdaysBefore`). */
function nthWeekday(index: number): number {
  const weeks = Math.floor(index / 5);
  return MONDAY + weeks * 7 + (index - weeks * 5);
}

/**
 * The first day whose `YYYY-MM-DD` is `>= bound` (`strictly` : `>`), searching the days `YYYY-MM-DD`
 * can write. `isCovered` compares strings, and those sort as their days, so the days it accepts are
 * one run of day numbers for any coverage strings — found here without assuming they are real dates.
 */
function firstDayAfter(bound: string, strictly: boolean): number {
  let [low, high] = [FIRST_DAY, LAST_DAY + 1];
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    const date = fromDayNumber(mid);
    if (strictly ? date > bound : date >= bound) high = mid;
    else low = mid + 1;
  }
  return low;
}

class Table implements WorkingDayTable {
  readonly first: number;
  readonly last: number;
  private readonly working: Uint8Array;
  /** `prefix[i]`: working days in `first <= d < first + i`. */
  private readonly prefix: Int32Array;
  /** Offsets from `first` of the covered working days, in order: `dayOfRank` is one index. */
  private readonly workingOffsets: Int32Array;
  private readonly total: number;
  private readonly weekdaysBeforeFirst: number;
  private readonly weekdaysAfterLast: number;

  constructor(calendar: Calendar) {
    this.first = firstDayAfter(calendar.coverage.from, false);
    this.last = Math.max(this.first, firstDayAfter(calendar.coverage.to, true)) - 1;
    const length = this.last - this.first + 1;
    this.working = new Uint8Array(length);
    this.prefix = new Int32Array(length + 1);
    for (let i = 0; i < length; i++) {
      const working = calendar.isWorkingDay(fromDayNumber(this.first + i));
      this.working[i] = working ? 1 : 0;
      this.prefix[i + 1] = this.prefix[i]! + this.working[i]!;
    }
    this.total = this.prefix[length]!;
    this.workingOffsets = new Int32Array(this.total);
    for (let i = 0, k = 0; i < length; i++) if (this.working[i] === 1) this.workingOffsets[k++] = i;
    this.weekdaysBeforeFirst = weekdaysBefore(this.first);
    this.weekdaysAfterLast = weekdaysBefore(this.last + 1);
  }

  isWorkingDay(day: number): boolean {
    if (day >= this.first && day <= this.last) return this.working[day - this.first] === 1;
    const weekday = weekdayOfDay(day);
    return weekday !== 0 && weekday !== 6;
  }

  rank(day: number): number {
    if (day < this.first) return weekdaysBefore(day + 1) - this.weekdaysBeforeFirst;
    if (day <= this.last) return this.prefix[day - this.first + 1]!;
    return this.total + weekdaysBefore(day + 1) - this.weekdaysAfterLast;
  }

  dayOfRank(rank: number): number {
    if (rank <= 0) return nthWeekday(rank - 1 + this.weekdaysBeforeFirst);
    if (rank <= this.total) return this.first + this.workingOffsets[rank - 1]!;
    return nthWeekday(rank - this.total - 1 + this.weekdaysAfterLast);
  }

  firstUncovered(from: number, to: number): number | undefined {
    if (from < this.first || from > this.last) return from;
    return to > this.last ? this.last + 1 : undefined;
  }
}

interface CacheEntry {
  from: string;
  to: string;
  isWorkingDay: Calendar['isWorkingDay'];
  table: Table;
}

// The only state the module keeps: one table per calendar object, built on first use and dropped with it.
const tables = new WeakMap<Calendar, CacheEntry>();

/**
 * The working-day table of `calendar`, built on first use from `calendar.isWorkingDay` over its coverage
 * and cached per calendar object (rebuilt if its coverage or `isWorkingDay` is replaced). Pure as far as
 * callers can tell: the same calendar always gives the same answers.
 */
export function workingDayTable(calendar: Calendar): WorkingDayTable {
  const { from, to } = calendar.coverage;
  const cached = tables.get(calendar);
  if (cached && cached.from === from && cached.to === to && cached.isWorkingDay === calendar.isWorkingDay) return cached.table;
  const table = new Table(calendar);
  tables.set(calendar, { from, to, isWorkingDay: calendar.isWorkingDay, table });
  return table;
}

import { isWeekday } from './local-date.ts';
import type { Calendar, LocalDate } from './types.ts';

/** Answers "is this a working day?" for one computation and remembers the first day outside coverage. */
export interface DayProbe {
  isWorkingDay(date: LocalDate): boolean;
  /** The first day examined that the calendar's data does not cover, if any. */
  readonly firstUncovered: LocalDate | undefined;
}

/** True when `date` lies inside the calendar's coverage. Pure. */
export function isCovered(calendar: Calendar, date: LocalDate): boolean {
  return date >= calendar.coverage.from && date <= calendar.coverage.to;
}

/**
 * A probe over `calendar`. Days outside the calendar's coverage are decided on weekends alone
 * (Monday–Friday work), whatever the calendar would say, and noted so the result can be flagged
 * provisional. Pure apart from the probe's own memory.
 */
export function createDayProbe(calendar: Calendar): DayProbe {
  let firstUncovered: LocalDate | undefined;
  return {
    isWorkingDay(date: LocalDate): boolean {
      if (isCovered(calendar, date)) return calendar.isWorkingDay(date);
      firstUncovered ??= date;
      return isWeekday(date);
    },
    get firstUncovered() {
      return firstUncovered;
    },
  };
}

/** The zh + en warning for a result that relied on a day outside coverage. Pure. */
export function provisionalWarning(calendar: Calendar, date: LocalDate): string {
  const { from, to } = calendar.coverage;
  return (
    `临时结果：日历 ${calendar.id} 的节假日数据只覆盖 ${from} 至 ${to}，${date} 不在其内，该日及范围外的日子仅按周末推算，` +
    `待次年放假安排公布后须重新计算。 ` +
    `Provisional: calendar ${calendar.id} has holiday data for ${from} to ${to} only; ${date} and other days outside it ` +
    `were counted on weekends alone — recompute once the official holiday notice is published.`
  );
}

/** The zh + en warning for a calendar whose data is an example, not an official notice. Pure. */
export function illustrativeWarning(calendar: Calendar): string {
  return (
    `注意：日历 ${calendar.id} 含示例数据，并非官方公布的放假安排。 ` +
    `Note: calendar ${calendar.id} contains illustrative data, not an official holiday notice.`
  );
}

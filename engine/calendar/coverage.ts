import type { Calendar, LocalDate } from './types.ts';

/** True when `date` lies inside the calendar's coverage. Pure. */
export function isCovered(calendar: Calendar, date: LocalDate): boolean {
  return date >= calendar.coverage.from && date <= calendar.coverage.to;
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

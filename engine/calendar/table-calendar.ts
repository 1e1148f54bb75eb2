import { isWeekday } from './local-date.ts';
import type { Calendar, CalendarSource, LocalDate, LocalizedText } from './types.ts';

/** Everything a calendar is built from once its files are merged. */
export interface CalendarTables {
  id: string;
  title: LocalizedText;
  coverage: { from: LocalDate; to: LocalDate };
  officeClose?: string;
  illustrative: boolean;
  sources: readonly CalendarSource[];
  holidays: ReadonlyMap<LocalDate, LocalizedText>;
  workdays: ReadonlySet<LocalDate>;
}

/**
 * A calendar answering from day tables. Days the tables do not mention fall back to the base calendar
 * when there is one (an overlay adds to its base), else to Monday–Friday — which is also the rule for
 * every day past the data, as the deadline functions' provisional results assume. Pure.
 */
export function createTableCalendar(tables: CalendarTables, base?: Calendar): Calendar {
  const holidayTitle = (date: LocalDate): LocalizedText | undefined => {
    const own = tables.holidays.get(date);
    if (own) return own;
    if (!base) return undefined;
    const inherited = base.holidayTitle?.(date);
    if (inherited) return inherited;
    const name = base.holidayName(date);
    return name === undefined ? undefined : { zh: name };
  };
  const calendar: Calendar = {
    id: tables.id,
    title: tables.title,
    coverage: tables.coverage,
    illustrative: tables.illustrative,
    sources: tables.sources,
    isWorkingDay(date: LocalDate): boolean {
      if (tables.workdays.has(date)) return true;
      if (tables.holidays.has(date)) return false;
      return base ? base.isWorkingDay(date) : isWeekday(date);
    },
    holidayName(date: LocalDate): string | undefined {
      return holidayTitle(date)?.zh;
    },
    holidayTitle,
  };
  if (tables.officeClose !== undefined) calendar.officeClose = tables.officeClose;
  return calendar;
}

import { CalendarError } from './calendar-error.ts';
import { validateCalendarFile, type CalendarFile, type CalendarYear } from './calendar-document.ts';
import { createTableCalendar } from './table-calendar.ts';
import type { Calendar, CalendarSource, LocalDate, LocalizedText } from './types.ts';

interface CalendarGroup {
  id: string;
  years: CalendarYear[];
}

function sourceOf(year: CalendarYear): CalendarSource {
  const { id, year: number, source } = year.document;
  return { calendar: id, year: number, ...source };
}

/** Problems that only show across the files of one id: duplicate years, gaps, disagreeing settings. */
function checkGroup(group: CalendarGroup, issues: string[]): void {
  const years = group.years;
  for (let i = 1; i < years.length; i++) {
    const [previous, current] = [years[i - 1], years[i]];
    if (!previous || !current) continue;
    const gap = current.document.year - previous.document.year;
    if (gap === 0) {
      issues.push(`${current.file.path}: calendar '${group.id}' year ${current.document.year} is already given by ${previous.file.path}`);
    } else if (gap > 1) {
      const missing = Array.from({ length: gap - 1 }, (_, k) => previous.document.year + 1 + k).join(', ');
      issues.push(
        `${current.file.path}: calendar '${group.id}' has no file for ${missing} (between ${previous.file.path} and ${current.file.path}); ` +
          'coverage must run without gaps',
      );
    }
  }
  for (const key of ['extends', 'officeClose'] as const) {
    const first = years[0];
    const odd = years.find((year) => year.document[key] !== first?.document[key]);
    if (first && odd) {
      issues.push(
        `${odd.file.path}: '${key}' is ${String(odd.document[key])} but ${first.file.path} says ${String(first.document[key])}; ` +
          `every year of calendar '${group.id}' must agree`,
      );
    }
  }
}

function officeCloseOf(officeClose: string | undefined): { officeClose?: string } {
  return officeClose === undefined ? {} : { officeClose };
}

function yearTables(years: readonly CalendarYear[]): {
  holidays: Map<LocalDate, LocalizedText>;
  workdays: Set<LocalDate>;
} {
  const holidays = new Map<LocalDate, LocalizedText>();
  const workdays = new Set<LocalDate>();
  for (const year of years) {
    for (const [date, name] of year.holidays) holidays.set(date, name);
    for (const date of year.workdays) workdays.add(date);
  }
  return { holidays, workdays };
}

/**
 * Builds one `Calendar` per id from parsed calendar files: validates each file, merges the years of an
 * id (coverage runs from 1 January of the first year to 31 December of the last), and applies overlays
 * (`extends`), whose coverage is the part of their own years that their base also covers. Pure.
 * @throws CalendarError `calendar.invalid-set` listing every problem found, each naming its file:
 *   schema errors, bad or out-of-year dates, a day both holiday and workday, duplicate years, gaps
 *   between years, unknown or circular `extends`, overlays that share no year with their base.
 */
export function loadCalendars(files: readonly CalendarFile[]): Map<string, Calendar> {
  const issues: string[] = [];
  const groups = new Map<string, CalendarGroup>();
  for (const file of files) {
    const result = validateCalendarFile(file);
    issues.push(...result.issues);
    if (!result.year) continue;
    const id = result.year.document.id;
    const group = groups.get(id) ?? { id, years: [] };
    group.years.push(result.year);
    groups.set(id, group);
  }
  for (const group of groups.values()) {
    group.years.sort((a, b) => a.document.year - b.document.year);
    checkGroup(group, issues);
  }
  const built = new Map<string, Calendar>();
  const build = (id: string, chain: readonly string[]): Calendar | undefined => {
    const done = built.get(id);
    if (done) return done;
    const group = groups.get(id);
    const first = group?.years[0];
    const last = group?.years.at(-1);
    if (!group || !first || !last) return undefined;
    if (chain.includes(id)) {
      issues.push(`${first.file.path}: calendar '${id}' extends itself through ${[...chain, id].join(' → ')}`);
      return undefined;
    }
    let coverage = { from: `${first.document.year}-01-01`, to: `${last.document.year}-12-31` };
    let base: Calendar | undefined;
    const baseId = first.document.extends;
    if (baseId !== undefined) {
      base = build(baseId, [...chain, id]);
      if (!base) {
        if (!groups.has(baseId)) {
          const known = [...groups.keys()].filter((key) => key !== id).join(', ') || '(none)';
          issues.push(`${first.file.path}: calendar '${id}' extends unknown calendar '${baseId}'; known: ${known}`);
        }
        return undefined;
      }
      coverage = {
        from: coverage.from > base.coverage.from ? coverage.from : base.coverage.from,
        to: coverage.to < base.coverage.to ? coverage.to : base.coverage.to,
      };
      if (coverage.from > coverage.to) {
        issues.push(`${first.file.path}: overlay '${id}' shares no year with its base '${baseId}' (${base.coverage.from} – ${base.coverage.to})`);
        return undefined;
      }
    }
    const calendar = createTableCalendar(
      {
        id,
        title: last.document.title,
        coverage,
        ...officeCloseOf(first.document.officeClose ?? base?.officeClose),
        illustrative: group.years.some((year) => year.document.illustrative === true) || base?.illustrative === true,
        sources: [...(base?.sources ?? []), ...group.years.map(sourceOf)],
        ...yearTables(group.years),
      },
      base,
    );
    built.set(id, calendar);
    return calendar;
  };
  for (const id of groups.keys()) build(id, []);
  if (issues.length > 0) {
    const unique = [...new Set(issues)];
    throw new CalendarError('calendar.invalid-set', `日历数据有误 invalid calendar data:\n  ${unique.join('\n  ')}`, {
      issues: unique,
    });
  }
  return built;
}

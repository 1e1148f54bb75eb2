import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv';
import schema from './calendar.schema.json' with { type: 'json' };
import { addDays, isLocalDate, isWeekday } from './local-date.ts';
import type { LocalDate, LocalizedText } from './types.ts';

/** One calendar file as its YAML reads, after schema validation. */
export interface CalendarDocument {
  id: string;
  year: number;
  extends?: string;
  title: LocalizedText;
  illustrative?: boolean;
  officeClose?: string;
  source: { title: string; issuer?: string; documentNumber?: string; issued?: LocalDate; url?: string; note?: string };
  holidays: { name: LocalizedText; from: LocalDate; to?: LocalDate }[];
  workdays?: { date: LocalDate; for?: string }[];
}

/** A parsed calendar file handed in by the caller, which did the reading and YAML parsing. */
export interface CalendarFile {
  /** Shown in every error message, e.g. `processes/calendars/cn-mainland-2026.yaml`. */
  path: string;
  /** The parsed YAML as plain data. */
  document: unknown;
  /** Optional: 1-based line and column of the value at a data path, so errors can point into the file. */
  locate?: (path: readonly (string | number)[]) => { line: number; column: number } | undefined;
}

/** A validated year: its document and the day tables expanded from it. */
export interface CalendarYear {
  file: CalendarFile;
  document: CalendarDocument;
  holidays: ReadonlyMap<LocalDate, LocalizedText>;
  workdays: ReadonlySet<LocalDate>;
}

const validateSchema = new Ajv2020({ allErrors: true, verbose: true }).compile<CalendarDocument>(schema);

/** `file:line:col holidays[2].from` — where a problem is, as precisely as the caller lets us say. */
export function locateIn(file: CalendarFile, path: readonly (string | number)[]): string {
  const position = file.locate?.(path);
  const where = position ? `${file.path}:${position.line}:${position.column}` : file.path;
  const field = path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
  return field ? `${where} ${field}` : where;
}

function describeSchemaError(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const parent = error.parentSchema as { description?: string; properties?: Record<string, unknown> } | undefined;
  if (error.keyword === 'required') return `missing required field '${String(params['missingProperty'])}'`;
  if (error.keyword === 'additionalProperties') {
    const allowed = Object.keys(parent?.properties ?? {}).join(', ');
    return `unknown field '${String(params['additionalProperty'])}'; allowed: ${allowed}`;
  }
  const hint = parent?.description ? ` (expected ${parent.description})` : '';
  return `${error.message ?? 'is invalid'}${hint}`;
}

function toPath(instancePath: string): (string | number)[] {
  return instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/**
 * Checks one calendar file against the schema and the rules a schema cannot say: real dates, every date
 * inside the file's year, ranges that run forwards, no day listed twice or as both holiday and workday,
 * make-up workdays only on weekends. Pure.
 * @returns the expanded year, or the list of problems (each naming file, line and field).
 */
export function validateCalendarFile(file: CalendarFile): { year?: CalendarYear; issues: string[] } {
  if (!validateSchema(file.document)) {
    const issues = (validateSchema.errors ?? []).map(
      (error) => `${locateIn(file, toPath(error.instancePath))}: ${describeSchemaError(error)}`,
    );
    return { issues };
  }
  const document = file.document;
  const issues: string[] = [];
  const holidays = new Map<LocalDate, LocalizedText>();
  const workdays = new Set<LocalDate>();
  const checkDate = (date: LocalDate, path: (string | number)[]): boolean => {
    if (!isLocalDate(date)) {
      issues.push(`${locateIn(file, path)}: '${date}' is not a real date (YYYY-MM-DD)`);
      return false;
    }
    if (!date.startsWith(`${document.year}-`)) {
      issues.push(`${locateIn(file, path)}: ${date} lies outside the file's year ${document.year}; put it in that year's file`);
      return false;
    }
    return true;
  };
  document.holidays.forEach((holiday, index) => {
    const to = holiday.to ?? holiday.from;
    const okFrom = checkDate(holiday.from, ['holidays', index, 'from']);
    const okTo = checkDate(to, ['holidays', index, holiday.to === undefined ? 'from' : 'to']);
    if (!okFrom || !okTo) return;
    if (to < holiday.from) {
      issues.push(`${locateIn(file, ['holidays', index, 'to'])}: ${to} is before from ${holiday.from}`);
      return;
    }
    for (let day = holiday.from; day <= to; day = addDays(day, 1)) {
      const earlier = holidays.get(day);
      if (earlier) issues.push(`${locateIn(file, ['holidays', index])}: ${day} is already a holiday (${earlier.zh})`);
      holidays.set(day, holiday.name);
    }
  });
  (document.workdays ?? []).forEach((workday, index) => {
    const path = ['workdays', index, 'date'];
    if (!checkDate(workday.date, path)) return;
    if (workdays.has(workday.date)) issues.push(`${locateIn(file, path)}: ${workday.date} is listed twice as a workday`);
    if (holidays.has(workday.date)) {
      issues.push(`${locateIn(file, path)}: ${workday.date} is listed both as a holiday and as a make-up workday`);
    }
    if (isWeekday(workday.date)) {
      issues.push(`${locateIn(file, path)}: ${workday.date} is a Monday–Friday; make-up workdays fall on a Saturday or Sunday`);
    }
    workdays.add(workday.date);
  });
  return issues.length > 0 ? { issues } : { year: { file, document, holidays, workdays }, issues };
}

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCalendarsFromDir, readCalendarFile } from '../../adapters/calendar-files.ts';
import {
  addPeriod,
  isCalendarError,
  loadCalendars,
  parseInstant,
  type CalendarFile,
} from '../../engine/calendar/index.ts';
import { CALENDARS_DIR } from './fixtures/real-calendars.ts';

function year(id: string, yearNumber: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    year: yearNumber,
    title: { zh: `测试日历 ${id}`, en: `Test calendar ${id}` },
    source: { title: 'test data' },
    holidays: [],
    ...extra,
  };
}

function file(document: unknown, path = 'test.yaml'): CalendarFile {
  return { path, document };
}

/** The issues `loadCalendars` reports, or a failure when it accepts the input. */
function issuesOf(files: CalendarFile[]): string[] {
  try {
    loadCalendars(files);
  } catch (error) {
    if (isCalendarError(error) && error.code === 'calendar.invalid-set') return [...error.issues];
    throw error;
  }
  throw new Error('expected the calendar data to be refused');
}

describe('loadCalendars: the repository files', () => {
  it('merges 2025 and 2026 into one cn-mainland calendar with the overlay on top', () => {
    const calendars = loadCalendarsFromDir(CALENDARS_DIR);
    expect([...calendars.keys()].sort()).toEqual(['cn-mainland', 'example-prefecture']);
    const mainland = calendars.get('cn-mainland');
    expect(mainland?.coverage).toEqual({ from: '2025-01-01', to: '2026-12-31' });
    expect(mainland?.officeClose).toBeUndefined();
    expect(mainland?.illustrative).toBe(false);
    expect(mainland?.holidayName('2026-10-03')).toBe('国庆节');
    expect(mainland?.holidayTitle?.('2025-10-06')).toEqual({ zh: '国庆节、中秋节', en: 'National Day and Mid-Autumn Festival' });
    expect(mainland?.sources?.map((source) => [source.year, source.issued])).toEqual([
      [2025, '2024-11-12'],
      [2026, '2025-11-04'],
    ]);
    const overlay = calendars.get('example-prefecture');
    expect(overlay?.coverage).toEqual({ from: '2026-01-01', to: '2026-12-31' });
    expect(overlay?.officeClose).toBe('17:30');
    expect(overlay?.illustrative).toBe(true);
    expect(overlay?.holidayName('2026-10-01')).toBe('国庆节');
  });

  it('every file starts with the schema line the editor uses', () => {
    for (const name of ['cn-mainland-2025.yaml', 'cn-mainland-2026.yaml', 'example-prefecture-2026.yaml']) {
      const firstLine = readFileSync(join(CALENDARS_DIR, name), 'utf8').split('\n')[0];
      expect(firstLine).toBe('# yaml-language-server: $schema=../../engine/calendar/calendar.schema.json');
    }
  });
});

describe('loadCalendarsFromDir: next year is a new file, no code', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('picks up a 2027 file and extends coverage, so a 2027 deadline is no longer provisional', () => {
    dir = mkdtempSync(join(tmpdir(), 'govflow-calendars-'));
    cpSync(CALENDARS_DIR, dir, { recursive: true });
    writeFileSync(
      join(dir, 'cn-mainland-2027.yaml'),
      [
        'id: cn-mainland',
        'year: 2027',
        'title: { zh: 测试, en: Test }',
        'source: { title: "test fixture, not an official notice" }',
        'holidays:',
        '  - { name: { zh: 元旦 }, from: "2027-01-01" }',
      ].join('\n'),
    );
    const mainland = loadCalendarsFromDir(dir).get('cn-mainland');
    if (!mainland) throw new Error('cn-mainland missing');
    expect(mainland.coverage.to).toBe('2027-12-31');
    const result = addPeriod(mainland, parseInstant('2026-12-20'), { amount: 20, unit: 'wd' });
    expect(result).toMatchObject({ dueDate: '2027-01-18', provisional: false, warnings: [] });
  });

  it('points at the line and column of a bad value, and of a YAML syntax error', () => {
    const bad = readCalendarFile('cal.yaml', 'id: x\nyear: 2026\ntitle: { zh: t }\nsource: { title: s }\nholidays:\n  - { name: { zh: h }, from: 2026-13-01 }\n');
    expect(() => loadCalendars([bad])).toThrow(/cal\.yaml:6:\d+ holidays\[0\]\.from: '2026-13-01' is not a real date/);
    expect(() => readCalendarFile('broken.yaml', 'id: [x\n')).toThrow(/broken\.yaml:2:1: YAML syntax error/);
  });
});

describe('loadCalendars: refuses bad data with the file named', () => {
  it('schema errors say what is wrong and what is allowed', () => {
    const issues = issuesOf([file({ ...year('a', 2026), colour: 'red', officeClose: '5pm' }, 'a-2026.yaml')]);
    expect(issues).toContainEqual(expect.stringMatching(/^a-2026\.yaml: unknown field 'colour'; allowed: id, year, extends/));
    expect(issues).toContainEqual(expect.stringMatching(/^a-2026\.yaml officeClose: must match pattern .*HH:MM/));
    expect(issuesOf([file({ id: 'a', year: 2026 }, 'a.yaml')])).toContainEqual("a.yaml: missing required field 'title'");
  });

  it('a date listed both as holiday and as make-up workday', () => {
    const document = year('a', 2026, {
      holidays: [{ name: { zh: '假' }, from: '2026-10-03', to: '2026-10-04' }],
      workdays: [{ date: '2026-10-04' }],
    });
    expect(issuesOf([file(document)])).toEqual([
      'test.yaml workdays[0].date: 2026-10-04 is listed both as a holiday and as a make-up workday',
    ]);
  });

  it('dates outside the file year, backward ranges, overlapping holidays, make-up days on weekdays', () => {
    const document = year('a', 2026, {
      holidays: [
        { name: { zh: '甲' }, from: '2025-12-31', to: '2026-01-02' },
        { name: { zh: '乙' }, from: '2026-05-05', to: '2026-05-01' },
        { name: { zh: '丙' }, from: '2026-06-01', to: '2026-06-03' },
        { name: { zh: '丁' }, from: '2026-06-03' },
      ],
      workdays: [{ date: '2026-06-10' }],
    });
    expect(issuesOf([file(document)])).toEqual([
      "test.yaml holidays[0].from: 2025-12-31 lies outside the file's year 2026; put it in that year's file",
      'test.yaml holidays[1].to: 2026-05-01 is before from 2026-05-05',
      'test.yaml holidays[3]: 2026-06-03 is already a holiday (丙)',
      'test.yaml workdays[0].date: 2026-06-10 is a Monday–Friday; make-up workdays fall on a Saturday or Sunday',
    ]);
  });

  it('duplicate years and gaps between years', () => {
    expect(issuesOf([file(year('a', 2026), 'one.yaml'), file(year('a', 2026), 'two.yaml')])).toEqual([
      "two.yaml: calendar 'a' year 2026 is already given by one.yaml",
    ]);
    expect(issuesOf([file(year('a', 2024), 'a-2024.yaml'), file(year('a', 2027), 'a-2027.yaml')])).toEqual([
      "a-2027.yaml: calendar 'a' has no file for 2025, 2026 (between a-2024.yaml and a-2027.yaml); coverage must run without gaps",
    ]);
  });

  it('overlays: unknown base, cycles, no shared year, years that disagree', () => {
    expect(issuesOf([file(year('o', 2026, { extends: 'nowhere' }), 'o.yaml'), file(year('b', 2026))])).toEqual([
      "o.yaml: calendar 'o' extends unknown calendar 'nowhere'; known: b",
    ]);
    const cycle = issuesOf([file(year('p', 2026, { extends: 'q' }), 'p.yaml'), file(year('q', 2026, { extends: 'p' }), 'q.yaml')]);
    expect(cycle[0]).toMatch(/extends itself through/);
    expect(issuesOf([file(year('b', 2025)), file(year('o', 2026, { extends: 'b' }), 'o.yaml')])).toEqual([
      "o.yaml: overlay 'o' shares no year with its base 'b' (2025-01-01 – 2025-12-31)",
    ]);
    expect(issuesOf([file(year('a', 2025, { officeClose: '17:00' }), 'x.yaml'), file(year('a', 2026), 'y.yaml')])).toEqual([
      "y.yaml: 'officeClose' is undefined but x.yaml says 17:00; every year of calendar 'a' must agree",
    ]);
  });

  it('an overlay inherits office hours from its base and may add its own workday', () => {
    const calendars = loadCalendars([
      file(year('b', 2026, { officeClose: '17:00', holidays: [{ name: { zh: '节' }, from: '2026-03-07' }] })),
      file(year('o', 2026, { extends: 'b', workdays: [{ date: '2026-03-07' }] })),
    ]);
    const overlay = calendars.get('o');
    expect(overlay?.officeClose).toBe('17:00');
    expect(overlay?.isWorkingDay('2026-03-07')).toBe(true);
    expect(calendars.get('b')?.isWorkingDay('2026-03-07')).toBe(false);
  });
});

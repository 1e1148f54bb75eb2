import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addPeriod,
  countWorkingDays,
  elapsedInUnit,
  isCalendarError,
  loadCalendars,
  parseInstant,
  subtractWorkingDays,
  type Calendar,
  type CalendarFile,
  type Duration,
} from '../../engine/calendar/index.ts';
import { realCalendar } from './fixtures/real-calendars.ts';

// The deadline functions answer from a per-calendar table of working days and closed-form weekday
// arithmetic outside it. This file checks them against the plainest possible implementation: walk day by
// day with Date, ask `calendar.isWorkingDay` inside the coverage (compared as strings, as `isCovered`
// does) and Monday–Friday outside it, and note the first day outside.

const DAY = 86_400_000;
const EIGHT_HOURS = 8 * 3_600_000;
const shift = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
const dateOf = (ms: number): string => new Date(ms + EIGHT_HOURS).toISOString().slice(0, 10);
const daysBetween = (from: string, to: string): number => (Date.parse(to) - Date.parse(from)) / DAY;

class Walk {
  firstUncovered: string | undefined;
  private readonly calendar: Calendar;

  constructor(calendar: Calendar) {
    this.calendar = calendar;
  }

  working(date: string): boolean {
    const { from, to } = this.calendar.coverage;
    if (date >= from && date <= to) return this.calendar.isWorkingDay(date);
    this.firstUncovered ??= date;
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    return weekday >= 1 && weekday <= 5;
  }
}

interface Expected {
  due: number;
  dueDate: string;
  provisional: boolean;
  firstUncovered?: string;
}

function walkAddPeriod(calendar: Calendar, from: number, period: Duration, officeClose: boolean): Expected {
  if (period.unit === 'h' || period.unit === 'min') {
    const due = from + period.amount * (period.unit === 'h' ? 3_600_000 : 60_000);
    return { due, dueDate: dateOf(due), provisional: false };
  }
  const start = dateOf(from);
  if (period.amount === 0) return { due: from, dueDate: start, provisional: false };
  const walk = new Walk(calendar);
  let day = start;
  if (period.unit === 'wd') {
    for (let counted = 0; counted < period.amount; ) {
      day = shift(day, 1);
      if (walk.working(day)) counted++;
    }
  } else {
    day = shift(start, period.amount);
    while (!walk.working(day)) day = shift(day, 1);
  }
  const close = officeClose && calendar.officeClose !== undefined ? `${calendar.officeClose}:00.000` : '23:59:59.999';
  const expected: Expected = { due: Date.parse(`${day}T${close}+08:00`), dueDate: day, provisional: walk.firstUncovered !== undefined };
  if (walk.firstUncovered !== undefined) expected.firstUncovered = walk.firstUncovered;
  return expected;
}

function walkCount(calendar: Calendar, fromExclusive: string, toInclusive: string): { days: number; provisional: boolean } {
  const walk = new Walk(calendar);
  let days = 0;
  for (let d = shift(fromExclusive, 1); d <= toInclusive; d = shift(d, 1)) if (walk.working(d)) days++;
  return { days, provisional: walk.firstUncovered !== undefined };
}

function walkSubtract(calendar: Calendar, date: string, n: number): { date: string; provisional: boolean } {
  const walk = new Walk(calendar);
  let day = date;
  for (let counted = 0; counted < n; ) {
    day = shift(day, -1);
    if (walk.working(day)) counted++;
  }
  return { date: day, provisional: walk.firstUncovered !== undefined };
}

// ---- calendars --------------------------------------------------------------------------------------

/** A calendar built by `loadCalendars` from generated years: random holidays and weekend make-up days. */
interface GeneratedYear {
  holidays: number[];
  workdays: number[];
}

function generatedCalendar(firstYear: number, years: readonly GeneratedYear[]): Calendar {
  const files: CalendarFile[] = years.map((spec, i) => {
    const year = firstYear + i;
    const dates = (offsets: number[]) => [...new Set(offsets.map((offset) => shift(`${year}-01-01`, offset % 365)))];
    const holidays = dates(spec.holidays);
    const weekend = (date: string): boolean => [0, 6].includes(new Date(`${date}T00:00:00Z`).getUTCDay());
    const workdays = dates(spec.workdays).filter((date) => weekend(date) && !holidays.includes(date));
    return {
      path: `generated-${year}.yaml`,
      document: {
        id: 'generated',
        year,
        title: { zh: '生成的日历' },
        source: { title: 'property test' },
        holidays: holidays.map((from) => ({ name: { zh: '假日' }, from })),
        workdays: workdays.map((date) => ({ date })),
      },
    };
  });
  const calendar = loadCalendars(files).get('generated');
  if (!calendar) throw new Error('generated calendar missing');
  return calendar;
}

const generatedYear: fc.Arbitrary<GeneratedYear> = fc.record({
  holidays: fc.array(fc.integer({ min: 0, max: 364 }), { maxLength: 40 }),
  workdays: fc.array(fc.integer({ min: 0, max: 364 }), { maxLength: 30 }),
});
const generated = fc
  .tuple(fc.integer({ min: 2023, max: 2028 }), fc.array(generatedYear, { minLength: 1, maxLength: 3 }))
  .map(([firstYear, years]) => generatedCalendar(firstYear, years));

/** A calendar written by hand, not by the loader: coverage strings need not be dates, nor in order. */
function handMade(from: string, to: string): Calendar {
  return {
    id: 'hand-made',
    title: { zh: '手写日历' },
    coverage: { from, to },
    // Unlike any real calendar, so a day counted by the wrong rule shows: every third day of a month off.
    isWorkingDay: (date) => Number(date.slice(8, 10)) % 3 !== 0,
    holidayName: () => undefined,
  };
}

const mainland = realCalendar('cn-mainland');
const prefecture = realCalendar('example-prefecture');
const calendars: fc.Arbitrary<Calendar> = fc.oneof(
  fc.constantFrom(mainland, prefecture),
  generated,
  fc.constantFrom(
    handMade('2025-07', '2026-02-30'), // not dates: covers 2025-07-01 … 2026-02-28
    handMade('2026-03-01', '2026-03-31'),
    handMade('2027-01-01', '2026-12-31'), // empty
    handMade('2030-01-01', '2020-01-01'), // empty, ends given the wrong way round
    handMade('', '2025-06-15'), // open start: everything up to 2025-06-15
  ),
);

// Days near every coverage edge in use (where off-by-one mistakes live), anywhere in 2021–2030, and
// anywhere in 1600–2399, far on both sides of the weekday arithmetic's origin in 1970.
const EDGES = ['2023-01-01', '2024-01-01', '2025-01-01', '2025-06-15', '2025-07-01', '2026-01-01', '2026-02-28', '2026-03-01',
  '2026-12-31', '2027-01-01', '2028-01-01', '2029-01-01', '2030-01-01'];
const date = fc.oneof(
  fc.tuple(fc.constantFrom(...EDGES), fc.integer({ min: -60, max: 60 })).map(([edge, offset]) => shift(edge, offset)),
  fc.integer({ min: 0, max: 3652 }).map((offset) => shift('2021-01-01', offset)),
  fc.integer({ min: 0, max: 292_000 }).map((offset) => shift('1600-01-01', offset)),
);
const isDate = (text: string): boolean => {
  const ms = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === text;
};
/** A calendar, and a day that is often within a few days of one of its own coverage ends. */
const calendarAndDate: fc.Arbitrary<[Calendar, string]> = calendars.chain((calendar) => {
  const ends = [calendar.coverage.from, calendar.coverage.to].filter(isDate);
  const nearEnd = ends.length === 0 ? date : fc.tuple(fc.constantFrom(...ends), fc.integer({ min: -3, max: 3 })).map(([end, offset]) => shift(end, offset));
  return fc.tuple(fc.constant(calendar), fc.oneof(nearEnd, date));
});
const calendarAndInstant: fc.Arbitrary<[Calendar, number]> = fc
  .tuple(calendarAndDate, fc.integer({ min: 0, max: DAY - 1 }))
  .map(([[calendar, day], ms]) => [calendar, Date.parse(`${day}T00:00:00+08:00`) + ms]);
const count = fc.oneof(fc.integer({ min: 0, max: 45 }), fc.integer({ min: 0, max: 2_000 }));
const RUNS = { numRuns: 400 };

describe('working-day table agrees with a day-by-day walk', () => {
  it('addPeriod, every unit, with and without office close, across coverage edges and up to 2,000 days', () => {
    fc.assert(
      fc.property(
        calendarAndInstant,
        count,
        fc.constantFrom('wd' as const, 'd' as const, 'h' as const, 'min' as const),
        fc.boolean(),
        ([calendar, from], amount, unit, officeClose) => {
          const result = addPeriod(calendar, from, { amount, unit }, officeClose ? { endAt: 'office-close' } : {});
          const expected = walkAddPeriod(calendar, from, { amount, unit }, officeClose);
          expect({ due: result.due, dueDate: result.dueDate, provisional: result.provisional }).toEqual({
            due: expected.due,
            dueDate: expected.dueDate,
            provisional: expected.provisional,
          });
          const dayUnit = (unit === 'wd' || unit === 'd') && amount > 0;
          const warnings =
            (expected.provisional ? 1 : 0) +
            (calendar.illustrative ? 1 : 0) +
            (dayUnit && officeClose && calendar.officeClose === undefined ? 1 : 0);
          expect(result.warnings).toHaveLength(warnings);
          if (expected.firstUncovered !== undefined) {
            expect(result.warnings[0]).toContain(`，${expected.firstUncovered} 不在其内`);
            expect(result.warnings[0]).toContain(`; ${expected.firstUncovered} and other days outside it`);
          }
        },
      ),
      RUNS,
    );
  });

  it('countWorkingDays over ranges up to 3,000 days, empty and backwards ones included', () => {
    fc.assert(
      fc.property(calendarAndDate, fc.oneof(fc.integer({ min: -30, max: 60 }), fc.integer({ min: -30, max: 3_000 })), ([calendar, from], length) => {
        const to = shift(from, length);
        const expected = length <= 0 ? { days: 0, provisional: false } : walkCount(calendar, from, to);
        expect(countWorkingDays(calendar, from, to)).toEqual(expected);
      }),
      RUNS,
    );
  });

  it('subtractWorkingDays for 0 to 2,000 working days', () => {
    fc.assert(
      fc.property(calendarAndDate, count, ([calendar, day], n) => {
        expect(subtractWorkingDays(calendar, day, n)).toEqual(walkSubtract(calendar, day, n));
      }),
      RUNS,
    );
  });

  it('elapsedInUnit in every unit', () => {
    fc.assert(
      fc.property(
        calendarAndInstant,
        fc.oneof(fc.integer({ min: -5 * DAY, max: 60 * DAY }), fc.integer({ min: -5 * DAY, max: 2_000 * DAY })),
        fc.constantFrom('wd' as const, 'd' as const, 'h' as const, 'min' as const),
        ([calendar, from], span, unit) => {
          const to = from + span;
          const [fromDate, toDate] = [dateOf(from), dateOf(to)];
          const expected =
            to <= from
              ? { amount: 0, provisional: false }
              : unit === 'wd'
                ? (({ days, provisional }) => ({ amount: days, provisional }))(walkCount(calendar, fromDate, toDate))
                : unit === 'd'
                  ? { amount: daysBetween(fromDate, toDate), provisional: false }
                  : { amount: to - from, provisional: false };
          expect(elapsedInUnit(calendar, from, to, unit)).toEqual(expected);
        },
      ),
      RUNS,
    );
  });
});

describe('working-day table: edges of what a date can write, and its cache', () => {
  function codeAndMessage(call: () => unknown): string {
    try {
      call();
    } catch (error) {
      return isCalendarError(error) ? `${error.code} ${error.message}` : `not a CalendarError: ${String(error)}`;
    }
    return 'no error';
  }

  it('a period running past 9999-12-31 fails on 10000-01-01, at once rather than after millions of days', () => {
    const lateDecember = parseInstant('9999-12-20');
    expect(addPeriod(mainland, lateDecember, { amount: 8, unit: 'wd' }).dueDate).toBe('9999-12-30');
    expect(codeAndMessage(() => addPeriod(mainland, lateDecember, { amount: 20, unit: 'wd' }))).toMatch(
      /^calendar\.invalid-date '10000-01-01' is not a date/,
    );
    expect(codeAndMessage(() => addPeriod(mainland, parseInstant('2026-01-05'), { amount: 3_000_000, unit: 'wd' }))).toMatch(
      /^calendar\.invalid-date '10000-01-01' is not a date/,
    );
    expect(codeAndMessage(() => addPeriod(mainland, lateDecember, { amount: 30, unit: 'd' }))).toMatch(
      /^calendar\.invalid-date '10000-01-19' is not a date/,
    );
  });

  it('going back before 0000-01-01 fails with calendar.invalid-date', () => {
    expect(subtractWorkingDays(mainland, '0000-01-10', 5).date).toBe('0000-01-03');
    expect(codeAndMessage(() => subtractWorkingDays(mainland, '0000-01-10', 10))).toMatch(/^calendar\.invalid-date /);
  });

  it('a calendar whose coverage is replaced is answered from a new table', () => {
    const calendar = handMade('2026-03-01', '2026-03-31');
    expect(countWorkingDays(calendar, '2026-03-31', '2026-04-30')).toEqual(walkCount(calendar, '2026-03-31', '2026-04-30'));
    calendar.coverage = { from: '2026-03-01', to: '2026-04-30' };
    const after = countWorkingDays(calendar, '2026-03-31', '2026-04-30');
    expect(after).toEqual({ days: walkCount(calendar, '2026-03-31', '2026-04-30').days, provisional: false });
    expect(after.days).not.toBe(22); // 22 is the Monday–Friday count the old coverage gave
  });
});

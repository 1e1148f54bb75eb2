import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addPeriod,
  countWorkingDays,
  elapsedInUnit,
  subtractWorkingDays,
} from '../../engine/calendar/index.ts';
import { realCalendar } from './fixtures/real-calendars.ts';

// ---------------------------------------------------------------------------------------------
// Independent reference: a plain day-by-day loop over the State Council notices, typed in again
// here from the notices themselves. It shares no code with engine/calendar.
// ---------------------------------------------------------------------------------------------
const HOLIDAY_RANGES: readonly (readonly [string, string])[] = [
  ['2025-01-01', '2025-01-01'],
  ['2025-01-28', '2025-02-04'],
  ['2025-04-04', '2025-04-06'],
  ['2025-05-01', '2025-05-05'],
  ['2025-05-31', '2025-06-02'],
  ['2025-10-01', '2025-10-08'],
  ['2026-01-01', '2026-01-03'],
  ['2026-02-15', '2026-02-23'],
  ['2026-04-04', '2026-04-06'],
  ['2026-05-01', '2026-05-05'],
  ['2026-06-19', '2026-06-21'],
  ['2026-09-25', '2026-09-27'],
  ['2026-10-01', '2026-10-07'],
];
const MAKE_UP_DAYS = [
  '2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11',
  '2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10',
];
const DAY = 86_400_000;
const EIGHT_HOURS = 8 * 3_600_000;
const shift = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
const HOLIDAYS = new Set(
  HOLIDAY_RANGES.flatMap(([from, to]) => {
    const days: string[] = [];
    for (let d = from; d <= to; d = shift(d, 1)) days.push(d);
    return days;
  }),
);
const MAKE_UP = new Set(MAKE_UP_DAYS);
const covered = (date: string): boolean => date >= '2025-01-01' && date <= '2026-12-31';
const refWorking = (date: string): boolean => {
  if (covered(date) && MAKE_UP.has(date)) return true;
  if (covered(date) && HOLIDAYS.has(date)) return false;
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
  return dow >= 1 && dow <= 5;
};
const refDateOf = (ms: number): string => new Date(ms + EIGHT_HOURS).toISOString().slice(0, 10);
const refEndOfDay = (date: string): number => Date.parse(`${date}T23:59:59.999+08:00`);

function refAdd(from: number, n: number, unit: 'wd' | 'd'): { due: number; dueDate: string; provisional: boolean } {
  const start = refDateOf(from);
  if (n === 0) return { due: from, dueDate: start, provisional: false };
  let provisional = false;
  const examine = (date: string): boolean => {
    if (!covered(date)) provisional = true;
    return refWorking(date);
  };
  let day = start;
  if (unit === 'wd') {
    for (let counted = 0; counted < n; ) {
      day = shift(day, 1);
      if (examine(day)) counted++;
    }
  } else {
    day = shift(start, n);
    while (!examine(day)) day = shift(day, 1);
  }
  return { due: refEndOfDay(day), dueDate: day, provisional };
}

function refCount(fromExclusive: string, toInclusive: string): { days: number; provisional: boolean } {
  let days = 0;
  let provisional = false;
  for (let d = shift(fromExclusive, 1); d <= toInclusive; d = shift(d, 1)) {
    if (!covered(d)) provisional = true;
    if (refWorking(d)) days++;
  }
  return { days, provisional };
}

function refSubtract(date: string, n: number): { date: string; provisional: boolean } {
  let day = date;
  let provisional = false;
  for (let counted = 0; counted < n; ) {
    day = shift(day, -1);
    if (!covered(day)) provisional = true;
    if (refWorking(day)) counted++;
  }
  return { date: day, provisional };
}

// Generated cases cluster around every holiday day and make-up day of both years, and around the
// edges of the data, where off-by-one mistakes live.
const ANCHORS = [...HOLIDAYS, ...MAKE_UP_DAYS, '2024-12-31', '2025-01-01', '2026-12-31', '2027-01-01'].sort();
const nearSpecialDay = fc
  .tuple(fc.constantFrom(...ANCHORS), fc.integer({ min: -35, max: 6 }))
  .map(([anchor, offset]) => shift(anchor, offset));
const instantNearSpecialDay = fc
  .tuple(nearSpecialDay, fc.integer({ min: 0, max: DAY - 1 }))
  .map(([date, msOfDay]) => Date.parse(`${date}T00:00:00+08:00`) + msOfDay);
const RUNS = { numRuns: 1500 };

describe('deadline arithmetic agrees with an independent day-by-day reference', () => {
  const calendar = realCalendar('cn-mainland');

  it('working-day periods (wd)', () => {
    fc.assert(
      fc.property(instantNearSpecialDay, fc.integer({ min: 0, max: 45 }), (from, n) => {
        const result = addPeriod(calendar, from, { amount: n, unit: 'wd' });
        const expected = refAdd(from, n, 'wd');
        expect({ due: result.due, dueDate: result.dueDate, provisional: result.provisional }).toEqual(expected);
        expect(result.warnings.length > 0).toBe(expected.provisional);
      }),
      RUNS,
    );
  });

  it('natural-day periods (d), rolling a last day off work to the next working day', () => {
    fc.assert(
      fc.property(instantNearSpecialDay, fc.integer({ min: 0, max: 45 }), (from, n) => {
        const result = addPeriod(calendar, from, { amount: n, unit: 'd' });
        expect({ due: result.due, dueDate: result.dueDate, provisional: result.provisional }).toEqual(refAdd(from, n, 'd'));
      }),
      RUNS,
    );
  });

  it('countWorkingDays, including empty and backward ranges', () => {
    fc.assert(
      fc.property(nearSpecialDay, fc.integer({ min: -10, max: 60 }), (from, length) => {
        const to = shift(from, length);
        const expected = length <= 0 ? { days: 0, provisional: false } : refCount(from, to);
        expect(countWorkingDays(calendar, from, to)).toEqual(expected);
      }),
      RUNS,
    );
  });

  it('subtractWorkingDays', () => {
    fc.assert(
      fc.property(nearSpecialDay, fc.integer({ min: 0, max: 30 }), (date, n) => {
        expect(subtractWorkingDays(calendar, date, n)).toEqual(refSubtract(date, n));
      }),
      RUNS,
    );
  });

  it('elapsed working days from the start to the due instant give back the period', () => {
    fc.assert(
      fc.property(instantNearSpecialDay, fc.integer({ min: 1, max: 45 }), (from, n) => {
        const { due } = addPeriod(calendar, from, { amount: n, unit: 'wd' });
        expect(elapsedInUnit(calendar, from, due, 'wd').amount).toBe(n);
      }),
      RUNS,
    );
  });

  it('a reminder n working days before a working due date leaves exactly n working days', () => {
    fc.assert(
      fc.property(nearSpecialDay, fc.integer({ min: 1, max: 20 }), (date, n) => {
        fc.pre(refWorking(date));
        const reminder = subtractWorkingDays(calendar, date, n).date;
        expect(refWorking(reminder)).toBe(true);
        expect(countWorkingDays(calendar, reminder, date).days).toBe(n);
      }),
      RUNS,
    );
  });

  it('hour and minute periods are exact elapsed time and never provisional', () => {
    fc.assert(
      fc.property(
        instantNearSpecialDay,
        fc.integer({ min: 0, max: 2_000 }),
        fc.constantFrom('h' as const, 'min' as const),
        (from, amount, unit) => {
          const result = addPeriod(calendar, from, { amount, unit }, { endAt: 'office-close' });
          expect(result.due - from).toBe(amount * (unit === 'h' ? 3_600_000 : 60_000));
          expect(result.dueDate).toBe(refDateOf(result.due));
          expect(result.provisional).toBe(false);
          expect(elapsedInUnit(calendar, from, result.due, unit).amount).toBe(result.due - from);
        },
      ),
      RUNS,
    );
  });
});

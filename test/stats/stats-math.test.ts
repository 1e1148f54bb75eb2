import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../adapters/stats/demo/seeded-random.ts';
import { TimeQueue } from '../../adapters/stats/demo/time-queue.ts';
import { competitionRanks } from '../../adapters/stats/queries/department-ranking.ts';
import { checkPeriod, isStatsQueryError } from '../../adapters/stats/queries/stats-query.ts';
import { addDays, countWorkingDays, toLocalDate } from '../../engine/calendar/index.ts';
import type { Calendar } from '../../engine/calendar/types.ts';
import { amountBetween, leafStates, percentile, percentileOfHistogram, ratio, workingDaysBetween } from '../../engine/stats/index.ts';
import { statsDay } from '../../engine/stats/working-time.ts';
import { calendars } from '../support/engine-fixtures.ts';

const cal = calendars.get('cn-mainland')!;
const at = (iso: string) => Date.parse(iso);

describe('percentiles (nearest rank)', () => {
  it('takes the smallest value with at least p of the observations at or below it', () => {
    expect(percentile([], 0.9)).toBeNull();
    expect(percentile([7], 0.9)).toBe(7);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.9)).toBe(10);
    // 0.9 × 30 is 27.000000000000004 in floating point; the rank is still 27.
    expect(percentile(Array.from({ length: 30 }, (_, i) => i + 1), 0.9)).toBe(27);
    expect(() => percentile([1], 0)).toThrow(RangeError);
  });

  it('a histogram gives the percentile of the observations it counts, in any bucket order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 20 })), { maxLength: 40 }), fc.constantFrom(0.5, 0.9, 0.95, 1), (buckets, p) => {
        const values = buckets.flatMap(([v, n]) => Array.from({ length: n }, () => v)).sort((a, b) => a - b);
        const expected = values.length === 0 ? null : values[Math.ceil(Math.round(p * 100) * values.length / 100) - 1];
        expect(percentileOfHistogram(buckets, p)).toBe(expected);
        expect(percentileOfHistogram([...buckets].reverse(), p)).toBe(expected);
      }),
    );
  });

  it('a rate of nothing is no rate', () => {
    expect(ratio(0, 0)).toBeNull();
    expect(ratio(3, 4)).toBe(0.75);
  });
});

describe('working time', () => {
  it('counts working days after the start day, skipping the Qingming holiday and weekends', () => {
    // Thu 2026-04-02 → Tue 2026-04-07: Fri 3 counts, Sat 4 – Mon 6 are the holiday, Tue 7 counts.
    expect(workingDaysBetween(cal, at('2026-04-02T10:00:00+08:00'), at('2026-04-07T09:00:00+08:00'))).toBe(2);
    expect(workingDaysBetween(cal, at('2026-04-02T10:00:00+08:00'), at('2026-04-02T18:00:00+08:00'))).toBe(0);
    // A make-up workday (Sat 2026-02-14) counts.
    expect(workingDaysBetween(cal, at('2026-02-13T10:00:00+08:00'), at('2026-02-14T10:00:00+08:00'))).toBe(1);
  });

  it('working days between two instants are those of the day-by-day definition and of countWorkingDays', () => {
    // The definition walked day by day: the days after the start's Asia/Shanghai day up to and
    // including the end's, counted when the calendar says they are working days.
    const slow = (calendar: Calendar, from: number, to: number): number => {
      let n = 0;
      for (let d = toLocalDate(from), end = toLocalDate(to); d < end; ) {
        d = addDays(d, 1);
        if (calendar.isWorkingDay(d)) n += 1;
      }
      return n;
    };
    // 2024 – 2028 covers holidays, make-up workdays and days past the calendar's data.
    const instant = fc.integer({ min: Date.parse('2024-01-01T00:00:00+08:00'), max: Date.parse('2028-12-31T23:59:59+08:00') });
    fc.assert(
      fc.property(instant, instant, fc.integer({ min: 0, max: 120 * 86_400_000 }), (from, other, span) => {
        for (const [a, b] of [[from, other], [from, from + span], [other, from]] as const) {
          const days = workingDaysBetween(cal, a, b);
          expect(days).toBe(slow(cal, a, b));
          expect(days).toBe(countWorkingDays(cal, toLocalDate(a), toLocalDate(b)).days);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the day an instant is counted on is its Asia/Shanghai date, asked in any order', () => {
    const instant = fc.integer({ min: Date.parse('1999-12-31T00:00:00Z'), max: Date.parse('2031-01-01T00:00:00Z') });
    fc.assert(
      fc.property(fc.array(instant, { minLength: 1, maxLength: 50 }), (instants) => {
        for (const at of [...instants, ...instants.reverse()]) expect(statsDay(at)).toBe(toLocalDate(at));
      }),
    );
    expect(statsDay(Date.parse('2026-10-01T15:59:59.999Z'))).toBe('2026-10-01');
    expect(statsDay(Date.parse('2026-10-01T16:00:00Z'))).toBe('2026-10-02');
    expect(() => statsDay(1.5)).toThrow();
  });

  it('natural days and whole hours', () => {
    expect(amountBetween(cal, at('2026-04-02T23:00:00+08:00'), at('2026-04-03T01:00:00+08:00'), 'd')).toBe(1);
    expect(amountBetween(cal, at('2026-04-02T23:00:00+08:00'), at('2026-04-03T01:59:00+08:00'), 'h')).toBe(2);
  });

  it('leaf states of nested and parallel state values', () => {
    expect(leafStates('received')).toEqual(['received']);
    expect(leafStates({ processing: { review: 'examining' } })).toEqual(['examining']);
    expect(leafStates({ 'joint-processing': { 'joint-review': { 'lead-track': 'lead-done', 'co-track': 'co-review' } } })).toEqual(['co-review', 'lead-done']);
  });
});

describe('ranking and query input', () => {
  it('equal values share a rank; missing values get none', () => {
    expect(competitionRanks([0.9, 1, 0.9, null, 0.5], 'higher')).toEqual([2, 1, 2, null, 4]);
    expect(competitionRanks([3, 1, 1], 'lower')).toEqual([3, 1, 1]);
  });

  it('refuses malformed periods with the field named', () => {
    for (const bad of [{ from: '2026-13-01', to: '2026-12-31' }, { from: '2026-05-01', to: '2026-04-01' }, { from: '2026-01-01', to: '2026-01-31', region: "52'; drop" }]) {
      let error: unknown;
      try {
        checkPeriod(bad);
      } catch (e) {
        error = e;
      }
      expect(isStatsQueryError(error)).toBe(true);
    }
    expect(checkPeriod({ from: '2026-01-01', to: '2026-01-01' })).toEqual({ from: '2026-01-01', to: '2026-01-01' });
  });
});

describe('demo machinery', () => {
  it('the seeded source repeats with its seed and differs across seeds', () => {
    const draw = (seed: number) => {
      const rng = new SeededRandom(seed);
      return [rng.next(), rng.int(1, 6), rng.uuid()];
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(new SeededRandom(1).uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('the time queue pops in time order, ties in insertion order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 }), (times) => {
        const q = new TimeQueue<number>();
        times.forEach((t, i) => q.push(t, i));
        const out = q.popUntil(Infinity);
        const expected = times.map((t, i) => [t, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, i]) => i);
        expect(out).toEqual(expected);
      }),
    );
  });
});

describe('splitting a period into whole months and days', () => {
  it('reads whole months from the roll-up and the ends day by day', async () => {
    const { splitPeriod } = await import('../../adapters/stats/queries/stats-query.ts');
    expect(splitPeriod('2026-03-01', '2026-04-30')).toEqual({ months: ['2026-03-01', '2026-04-01'], days: [] });
    expect(splitPeriod('2026-02-15', '2026-04-10')).toEqual({ months: ['2026-03-01', '2026-03-01'], days: [['2026-02-15', '2026-02-28'], ['2026-04-01', '2026-04-10']] });
    expect(splitPeriod('2026-03-02', '2026-03-31')).toEqual({ days: [['2026-03-02', '2026-03-31']] });
    expect(splitPeriod('2025-12-01', '2026-01-31')).toEqual({ months: ['2025-12-01', '2026-01-01'], days: [] });
    expect(splitPeriod('2024-02-01', '2024-02-29')).toEqual({ months: ['2024-02-01', '2024-02-01'], days: [] });
    expect(splitPeriod('2026-03-05', '2026-03-05')).toEqual({ days: [['2026-03-05', '2026-03-05']] });
  });
});

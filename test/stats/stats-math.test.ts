import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../adapters/stats/demo/seeded-random.ts';
import { TimeQueue } from '../../adapters/stats/demo/time-queue.ts';
import { competitionRanks } from '../../adapters/stats/queries/department-ranking.ts';
import { checkPeriod, isStatsQueryError } from '../../adapters/stats/queries/stats-query.ts';
import { amountBetween, leafStates, percentile, percentileOfHistogram, ratio, workingDaysBetween } from '../../engine/stats/index.ts';
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

import { sql } from 'kysely';
import type { Text } from '../../../engine/index.ts';
import { histogramTotals, percentileOfHistogram, STATS_PROFILES } from '../../../engine/stats/index.ts';
import type { Executor } from '../../storage/database.ts';
import { textArray } from '../../storage/sql-array.ts';
import { checkId, checkPeriod, periodCondition, StatsQueryError, statsSnapshot, type StatsPeriod } from './stats-query.ts';

export interface IntervalStatisticsInput extends StatsPeriod {
  department?: string;
}

/** One profile interval (e.g. registration to award) over the instances that reached its end in the period. */
export interface IntervalFigures {
  interval: string;
  title: Text;
  /** `d` natural days, `wd` working days, `h` hours. */
  unit: 'd' | 'wd' | 'h';
  count: number;
  average: number | null;
  p90: number | null;
  max: number | null;
}

/**
 * The intervals a category's profile declares (docs/statistics.md), for a period.
 * @throws StatsQueryError on invalid input or a category without a profile.
 */
export async function intervalStatistics(executor: Executor, category: string, input: IntervalStatisticsInput): Promise<IntervalFigures[]> {
  const period = checkPeriod(input);
  const profile = STATS_PROFILES[category];
  if (!profile) throw new StatsQueryError('category', `没有该类别的统计配置 no statistics profile for category ${category}`);
  const names = Object.keys(profile.intervals);
  if (names.length === 0) return [];
  const department = input.department !== undefined ? sql<boolean>`d.department = ${checkId('department', input.department)}` : sql<boolean>`true`;
  const { rows } = await statsSnapshot(executor, (executor) =>
    sql<{ interval: string; value: number; n: number }>`
      select d.interval, d.value, cast(sum(d.n) as int) as n from stats_interval_daily d
      where d.interval = any(${textArray(names)}) and ${periodCondition(period, 'd')} and ${department}
      group by 1, 2`.execute(executor),
  );
  return names.map((interval) => {
    const rule = profile.intervals[interval] as (typeof profile.intervals)[string];
    const hist = rows.filter((r) => r.interval === interval).map((r) => [r.value, r.n] as const);
    const { count, sum } = histogramTotals(hist);
    return {
      interval,
      title: rule.title,
      unit: rule.unit,
      count,
      average: count === 0 ? null : sum / count,
      p90: percentileOfHistogram(hist, 0.9),
      max: count === 0 ? null : Math.max(...hist.map(([v]) => v)),
    };
  });
}

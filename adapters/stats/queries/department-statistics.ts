import type { Text } from '../../../engine/index.ts';
import type { Executor } from '../../storage/database.ts';
import { measuresFor, type Measures } from './measures.ts';
import { asOfInstant, checkId, checkPeriod, statsSnapshot, type StatsPeriod } from './stats-query.ts';
import { definitionTitles } from './titles.ts';

export interface DepartmentStatisticsInput extends StatsPeriod {
  department: string;
  /** Instant "overdue now" is judged at, epoch ms. Default: now. */
  asOf?: number;
}

export interface DepartmentStatistics {
  department: string;
  period: { from: string; to: string };
  region: string | null;
  asOf: string;
  totals: Measures;
  byItem: Array<{ item: string; title: Text | null } & Measures>;
  byRegion: Array<{ region: string } & Measures>;
  byMonth: Array<{ month: string } & Measures>;
}

/**
 * One department's figures for a period: totals, and the same measures per item, per region
 * and per month. Reads the daily aggregates only.
 * @throws StatsQueryError on invalid input.
 */
export async function departmentStatistics(executor: Executor, input: DepartmentStatisticsInput): Promise<DepartmentStatistics> {
  const period = checkPeriod(input);
  const filter = { ...period, department: checkId('department', input.department), asOf: asOfInstant(input.asOf) };
  return statsSnapshot(executor, async (executor) => {
    const sets = await measuresFor(executor, filter, ['total', 'item', 'region', 'month']);
    const [totals, byItem, byRegion, byMonth] = (['total', 'item', 'region', 'month'] as const).map((g) => sets.get(g) as Map<string, Measures>) as [
      Map<string, Measures>,
      Map<string, Measures>,
      Map<string, Measures>,
      Map<string, Measures>,
    ];
    const titles = await definitionTitles(executor, [...byItem.keys()]);
    return {
      department: filter.department,
      period: { from: period.from, to: period.to },
      region: period.region ?? null,
      asOf: new Date(filter.asOf).toISOString(),
      totals: totals.get('total') as Measures,
      byItem: [...byItem].map(([item, m]) => ({ item, title: titles.get(item) ?? null, ...m })),
      byRegion: [...byRegion].map(([region, m]) => ({ region, ...m })),
      byMonth: [...byMonth].map(([month, m]) => ({ month, ...m })),
    };
  });
}

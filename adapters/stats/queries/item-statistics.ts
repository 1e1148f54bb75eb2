import type { Text } from '../../../engine/index.ts';
import type { Executor } from '../../storage/database.ts';
import { measuresFor, type Measures } from './measures.ts';
import { asOfInstant, checkId, checkPeriod, statsSnapshot, type StatsPeriod } from './stats-query.ts';
import { definitionTitles } from './titles.ts';

export interface ItemStatisticsInput extends StatsPeriod {
  /** Definition id of the item, e.g. `food-business-licence`. */
  item: string;
  asOf?: number;
}

export interface ItemStatistics {
  item: string;
  title: Text | null;
  period: { from: string; to: string };
  region: string | null;
  asOf: string;
  totals: Measures;
  byDepartment: Array<{ department: string } & Measures>;
  byRegion: Array<{ region: string } & Measures>;
  byMonth: Array<{ month: string } & Measures>;
}

/**
 * One licensing item's (or any definition's) figures for a period, in total and per handling
 * department, region and month.
 * @throws StatsQueryError on invalid input.
 */
export async function itemStatistics(executor: Executor, input: ItemStatisticsInput): Promise<ItemStatistics> {
  const period = checkPeriod(input);
  const filter = { ...period, item: checkId('item', input.item), asOf: asOfInstant(input.asOf) };
  return statsSnapshot(executor, async (executor) => {
    const sets = await measuresFor(executor, filter, ['total', 'department', 'region', 'month']);
    const get = (g: 'total' | 'department' | 'region' | 'month') => sets.get(g) as Map<string, Measures>;
    const [totals, byDepartment, byRegion, byMonth] = [get('total'), get('department'), get('region'), get('month')];
    const titles = await definitionTitles(executor, [filter.item]);
    return {
      item: filter.item,
      title: titles.get(filter.item) ?? null,
      period: { from: period.from, to: period.to },
      region: period.region ?? null,
      asOf: new Date(filter.asOf).toISOString(),
      totals: totals.get('total') as Measures,
      byDepartment: [...byDepartment].map(([department, m]) => ({ department, ...m })),
      byRegion: [...byRegion].map(([region, m]) => ({ region, ...m })),
      byMonth: [...byMonth].map(([month, m]) => ({ month, ...m })),
    };
  });
}

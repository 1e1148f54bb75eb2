import type { Executor } from '../../storage/database.ts';
import { intervalStatistics, type IntervalFigures, type IntervalStatisticsInput } from './interval-statistics.ts';
import { measuresBy, type Measures } from './measures.ts';
import { asOfInstant, checkPeriod, statsSnapshot } from './stats-query.ts';
import { definitionsOfCategory } from './titles.ts';

export interface TenderStatistics {
  period: { from: string; to: string };
  region: string | null;
  /** Projects registered (`received`), awarded (`completed`), failed (`denied`: re-tender) and terminated (`withdrawn`). */
  totals: Measures;
  /** `registration-to-award` and `deposit-refund`, in natural days. */
  intervals: IntervalFigures[];
}

/**
 * Tendering at the public resource trading centre: days from registration to award and from
 * contract to deposit refund (the centre's own targets: 25 days and 1 day), over a period.
 * @throws StatsQueryError on invalid input.
 */
export async function tenderStatistics(executor: Executor, input: IntervalStatisticsInput & { asOf?: number }): Promise<TenderStatistics> {
  const period = checkPeriod(input);
  const asOf = asOfInstant(input.asOf);
  return statsSnapshot(executor, async (executor) => {
    const items = await definitionsOfCategory(executor, 'tender');
    const filter = { ...period, items, asOf, ...(input.department !== undefined ? { department: input.department } : {}) };
    const totals = (await measuresBy(executor, filter, 'total')).get('total') as Measures;
    return { period: { from: period.from, to: period.to }, region: period.region ?? null, totals, intervals: await intervalStatistics(executor, 'tender', input) };
  });
}

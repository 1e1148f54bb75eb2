import { sql } from 'kysely';
import type { Executor } from '../../storage/database.ts';
import { textArray } from '../../storage/sql-array.ts';
import { intervalStatistics, type IntervalFigures, type IntervalStatisticsInput } from './interval-statistics.ts';
import { measuresBy, type Measures } from './measures.ts';
import { asOfInstant, checkId, checkPeriod, regionOnly, statsSnapshot } from './stats-query.ts';
import { definitionsOfCategory } from './titles.ts';

export interface DocumentStatistics {
  period: { from: string; to: string };
  region: string | null;
  asOf: string;
  /** Documents received (`received`), handled or dispatched (`completed`), returned (`notAccepted`); cards by level. */
  totals: Measures;
  /** `sign-in-latency` (hours) and `handling-time` (working days). */
  intervals: IntervalFigures[];
  /** Open urgent documents (特急, 加急) whose handling limit has passed at `asOf`, per department. */
  overdueUrgent: { total: number; byDepartment: Array<{ department: string; count: number }> };
}

/**
 * Document handling on the e-government cloud: sign-in latency, handling time and the urgent
 * documents overdue now.
 * @throws StatsQueryError on invalid input.
 */
export async function documentStatistics(executor: Executor, input: IntervalStatisticsInput & { asOf?: number }): Promise<DocumentStatistics> {
  const period = checkPeriod(input);
  const asOf = asOfInstant(input.asOf);
  const department = input.department !== undefined ? checkId('department', input.department) : undefined;
  return statsSnapshot(executor, async (executor) => {
    const items = await definitionsOfCategory(executor, 'document');
    const filter = { ...period, items, asOf, ...(department !== undefined ? { department } : {}) };
    const totals = (await measuresBy(executor, filter, 'total')).get('total') as Measures;
    const { rows } = await sql<{ department: string; n: number }>`
      select i.department, cast(count(*) as int) as n from stats_instances i
      where i.promised_running and i.promised_due < cast(${new Date(asOf).toISOString()} as timestamptz) and i.urgent
        and i.definition_id = any(${textArray(items)}) and ${regionOnly(period.region, 'i')}
        and ${department !== undefined ? sql<boolean>`i.department = ${department}` : sql<boolean>`true`}
      group by 1 order by 1`.execute(executor);
    return {
      period: { from: period.from, to: period.to },
      region: period.region ?? null,
      asOf: new Date(asOf).toISOString(),
      totals,
      intervals: await intervalStatistics(executor, 'document', input),
      overdueUrgent: { total: rows.reduce((t, r) => t + r.n, 0), byDepartment: rows.map((r) => ({ department: r.department, count: r.n })) },
    };
  });
}

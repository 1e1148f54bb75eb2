import { sql } from 'kysely';
import { regionCovers } from '../../queries/region-scope.ts';
import type { Executor } from '../../storage/database.ts';
import { ALL_REGIONS } from '../delta-rows.ts';
import { periodCondition, periodRows, type StatsPeriod } from './stats-query.ts';

/** The counter columns of the roll-ups (and of `stats_daily`). */
export const COUNTERS = ['received', 'accepted', 'not_accepted', 'denied', 'withdrawn', 'completed', 'promised_met', 'statutory_met', 'paused_cases', 'paused_wd'] as const;

export type CounterSums = Record<(typeof COUNTERS)[number], number>;

/** One row of a department roll-up: a department, a region (or `*`) and a day (or a month). */
export interface RollupRow extends CounterSums {
  department: string;
  region: string;
  /** `YYYY-MM`. */
  month: string;
  /** Cases completed, by working days taken. */
  durations: Record<string, number>;
  /** Alerts raised, by level. */
  alerts: Record<string, number>;
}

/**
 * True when every region with statistics lies in `scope`, so the rows of region `*` answer for
 * it. The regions come from the monthly roll-up's region index, one probe per region.
 */
async function coversEveryRegion(executor: Executor, scope: string): Promise<boolean> {
  const { rows } = await sql<{ region: string }>`
    with recursive r(region) as (
      (select region from stats_department_monthly where region > ${ALL_REGIONS} order by region limit 1)
      union all
      select (select m.region from stats_department_monthly m where m.region > r.region order by m.region limit 1)
      from r where r.region is not null)
    select region from r where region is not null`.execute(executor);
  return rows.every((r) => regionCovers(scope, r.region));
}

/**
 * The department roll-up rows of a period — whole months from `stats_department_monthly`, the
 * partial months at its ends from `stats_department_daily` — optionally of one department. Rows
 * of region `*` when the grouping needs no region and the scope covers every region (one row
 * per department and month), else the rows of each region in scope.
 */
export async function rollupRows(
  executor: Executor,
  filter: StatsPeriod & { department?: string },
  options: { byRegion: boolean; onlyAlerts?: boolean },
): Promise<RollupRow[]> {
  const everyRegion = !options.byRegion && (filter.region === undefined || (await coversEveryRegion(executor, filter.region)));
  const where = everyRegion
    ? sql<boolean>`d.region = ${ALL_REGIONS} and d.day between cast(${filter.from} as date) and cast(${filter.to} as date)`
    : sql<boolean>`d.region <> ${ALL_REGIONS} and ${periodCondition(filter, 'd')}`;
  const department = filter.department !== undefined ? sql<boolean>`d.department = ${filter.department}` : sql<boolean>`true`;
  const alerts = options.onlyAlerts ? sql<boolean>`d.alerts <> '{}'` : sql<boolean>`true`;
  const { rows } = await sql<RollupRow>`
    select d.department, d.region, to_char(d.day, 'YYYY-MM') as month,
      ${sql.join(COUNTERS.map((c) => sql`cast(${sql.ref(`d.${c}`)} as float8) as ${sql.ref(c)}`))}, d.durations, d.alerts
    from ${periodRows('stats_department_daily', 'stats_department_monthly', filter)} as d
    where ${where} and ${department} and ${alerts}`.execute(executor);
  return rows;
}

import type { Migration } from './migration.ts';

const COUNTERS = ['received', 'accepted', 'not_accepted', 'denied', 'withdrawn', 'completed', 'promised_met', 'statutory_met', 'paused_cases', 'paused_wd'];

/**
 * Fills a department roll-up from the per-item tables of the same grain (`stats_daily`,
 * `stats_duration_daily`, `stats_alert_daily`, or their monthly counterparts): every key with a
 * counter, a duration or an alert gets one row per region, and one more with region `*` that sums
 * every region.
 */
function backfill(target: string, counters: string, durations: string, alerts: string): string {
  const keyed = (table: string) => `select day, department, region from ${table} union all select day, department, '*' from ${table}`;
  const source = (table: string, columns: string) =>
    `(select day, department, region, ${columns} from ${table} union all select day, department, '*', ${columns} from ${table})`;
  return `insert into ${target} (day, department, region, ${COUNTERS.join(', ')}, durations, alerts)
    select k.day, k.department, k.region, ${COUNTERS.map((c) => `coalesce(c.${c}, 0)`).join(', ')},
      coalesce(d.durations, '{}'), coalesce(a.alerts, '{}')
    from (select distinct day, department, region from (${keyed(counters)} union all ${keyed(durations)} union all ${keyed(alerts)}) as u) as k
    left join (select day, department, region, ${COUNTERS.map((c) => `sum(${c}) as ${c}`).join(', ')}
               from ${source(counters, COUNTERS.join(', '))} as s group by 1, 2, 3) as c using (day, department, region)
    left join (select day, department, region, jsonb_object_agg(wd, n) as durations
               from (select day, department, region, wd, sum(n) as n from ${source(durations, 'wd, n')} as s group by 1, 2, 3, 4) as x
               group by 1, 2, 3) as d using (day, department, region)
    left join (select day, department, region, jsonb_object_agg(level, n) as alerts
               from (select day, department, region, level, sum(n) as n from ${source(alerts, 'level, n')} as s group by 1, 2, 3, 4) as x
               group by 1, 2, 3) as a using (day, department, region)`;
}

/** The statements that fill both roll-ups from the per-item tables (also used by `bench/stats.ts`). */
export const DEPARTMENT_ROLLUP_BACKFILL: readonly string[] = [
  backfill('stats_department_daily', 'stats_daily', 'stats_duration_daily', 'stats_alert_daily'),
  backfill('stats_department_monthly', 'stats_monthly', 'stats_duration_monthly', 'stats_alert_monthly'),
];

/**
 * Department roll-ups of the statistics (docs/statistics.md): the daily and monthly counters
 * summed over items, keyed by day, department and region, with the duration histogram
 * (`{"<working days>": cases}`) and the alerts by level (`{"<level>": count}`) in the same row.
 * Region `*` (never a region id) sums every region, so comparing every department over a year
 * reads one row per department and month, however finely regions are divided. `stats_add_counts`
 * adds two count objects key by key; the projector merges its additions with it. Existing
 * projections are rolled up here.
 */
export const migration0022: Migration = {
  version: 22,
  name: 'stats-department-rollups',
  statements: [
    `create function stats_add_counts(a jsonb, b jsonb) returns jsonb language sql immutable parallel safe as $$
       select case when b = '{}' then a when a = '{}' then b else (
         select jsonb_object_agg(key, n) from (
           select key, sum(cast(value as bigint)) as n
           from (select * from jsonb_each_text(a) union all select * from jsonb_each_text(b)) as e
           group by key) as s) end
     $$`,
    `create table stats_department_daily (
       day date not null,
       department text not null,
       region text not null,
       received integer not null default 0,
       accepted integer not null default 0,
       not_accepted integer not null default 0,
       denied integer not null default 0,
       withdrawn integer not null default 0,
       completed integer not null default 0,
       promised_met integer not null default 0,
       statutory_met integer not null default 0,
       paused_cases integer not null default 0,
       paused_wd bigint not null default 0,
       durations jsonb not null default '{}',
       alerts jsonb not null default '{}',
       primary key (day, department, region)
     )`,
    `create index stats_department_daily_by_region on stats_department_daily (region, day)`,
    `create table stats_department_monthly (like stats_department_daily including defaults including constraints)`,
    `alter table stats_department_monthly add primary key (day, department, region)`,
    `create index stats_department_monthly_by_region on stats_department_monthly (region, day)`,
    ...DEPARTMENT_ROLLUP_BACKFILL,
  ],
};

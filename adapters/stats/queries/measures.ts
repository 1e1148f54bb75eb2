import { sql, type RawBuilder } from 'kysely';
import { histogramTotals, percentileOfHistogram, ratio } from '../../../engine/stats/index.ts';
import type { Executor } from '../../storage/database.ts';
import { textArray } from '../../storage/sql-array.ts';
import { periodCondition, periodRows, regionOnly, type StatsPeriod } from './stats-query.ts';

/** Alert levels reported by name; any other level is counted under `other`. */
export const CARD_LEVELS = { reminder: 'reminder', yellowCard: 'yellow-card', redCard: 'red-card', stepOverdue: 'step-overdue' } as const;

/** The figures supervisors compare (definitions in docs/statistics.md). Plain JSON. */
export interface Measures {
  /** Applications received (instances started) in the period. */
  received: number;
  /** Accepted in the period (受理), including deemed acceptance and decisions on the spot. */
  accepted: number;
  /** Refused acceptance (不予受理) in the period. */
  notAccepted: number;
  /** Denied (不予许可) — ended denied in the period. */
  denied: number;
  /** `notAccepted + denied`. */
  refused: number;
  /** Withdrawn by the applicant in the period. */
  withdrawn: number;
  /** Completed (办结: granted or denied, delivered) in the period. */
  completed: number;
  /** `completed / accepted` of the period; null when nothing was accepted. */
  completionRate: number | null;
  /** Completed cases whose limit clock stopped by its due instant (or never had to run). */
  onTime: { promised: number; statutory: number };
  /** `onTime / completed`; null when nothing was completed. */
  onTimeRate: { promised: number | null; statutory: number | null };
  /** Working days from acceptance to completion, pauses excluded, over cases completed in the period. */
  durationWd: { average: number | null; p90: number | null };
  /** Time excluded by pauses (行政许可法 Art. 45) in cases completed in the period. */
  paused: { cases: number; workingDays: number };
  /** Open cases whose running clock is past due at `asOf`; null when the grouping is by month. */
  overdueNow: { promised: number; statutory: number } | null;
  /** Alerts raised in the period, by level. */
  cards: { reminder: number; yellowCard: number; redCard: number; stepOverdue: number; other: Record<string, number> };
}

export type GroupBy = 'total' | 'department' | 'item' | 'region' | 'month';

export interface MeasureFilter extends StatsPeriod {
  department?: string;
  item?: string;
  /** Only these items (definition ids), e.g. every definition of a category. */
  items?: readonly string[];
  /** Instant "overdue now" is judged at, epoch ms. */
  asOf: number;
}

/** The column (or expression) of one grouping, on a table aliased `alias`. */
function keyOf(group: Exclude<GroupBy, 'total'>, alias: string): RawBuilder<string> {
  switch (group) {
    case 'department':
      return sql<string>`${sql.ref(`${alias}.department`)}`;
    case 'item':
      return sql<string>`${sql.ref(`${alias}.definition_id`)}`;
    case 'region':
      return sql<string>`${sql.ref(`${alias}.region`)}`;
    case 'month':
      return sql<string>`to_char(${sql.ref(`${alias}.day`)}, 'YYYY-MM')`;
  }
}

function scope(filter: MeasureFilter, alias: string, withPeriod: boolean): RawBuilder<boolean> {
  const department = filter.department !== undefined ? sql<boolean>`${sql.ref(`${alias}.department`)} = ${filter.department}` : sql<boolean>`true`;
  const item = filter.item !== undefined ? sql<boolean>`${sql.ref(`${alias}.definition_id`)} = ${filter.item}` : sql<boolean>`true`;
  const items = filter.items !== undefined ? sql<boolean>`${sql.ref(`${alias}.definition_id`)} = any(${textArray(filter.items)})` : sql<boolean>`true`;
  const where = withPeriod ? periodCondition(filter, alias) : regionOnly(filter.region, alias);
  return sql<boolean>`${where} and ${department} and ${item} and ${items}`;
}

/**
 * `g` (which grouping a row belongs to) and `k` (its key) for `group by grouping sets`: one
 * statement computes every grouping asked for. `extra` columns are grouped in every set.
 */
function groupingSets(groups: readonly GroupBy[], alias: string, extra: readonly string[]) {
  const named = groups.filter((g): g is Exclude<GroupBy, 'total'> => g !== 'total');
  const extras = extra.map((c) => sql.ref(`${alias}.${c}`));
  const sets = groups.map((g) => (g === 'total' ? (extras.length ? sql`(${sql.join(extras)})` : sql`()`) : sql`(${sql.join([keyOf(g, alias), ...extras])})`));
  // grouping(x) is 0 when x is grouped in the row's set; the first named grouping with 0 names the set.
  const which = named.length
    ? sql`case ${sql.join(named.map((g) => sql`when grouping(${keyOf(g, alias)}) = 0 then ${g}`), sql` `)} else 'total' end`
    : sql`'total'`;
  const key = named.length ? sql`coalesce(${sql.join(named.map((g) => sql`case when grouping(${keyOf(g, alias)}) = 0 then ${keyOf(g, alias)} end`))}, 'total')` : sql`'total'`;
  return { which, key, sets: sql.join(sets) };
}

interface DailySums {
  received: number;
  accepted: number;
  not_accepted: number;
  denied: number;
  withdrawn: number;
  completed: number;
  promised_met: number;
  statutory_met: number;
  paused_cases: number;
  paused_wd: number;
}

const EMPTY_DAILY: DailySums = {
  received: 0,
  accepted: 0,
  not_accepted: 0,
  denied: 0,
  withdrawn: 0,
  completed: 0,
  promised_met: 0,
  statutory_met: 0,
  paused_cases: 0,
  paused_wd: 0,
};

type Keyed<T> = T & { g: GroupBy; k: string };

/**
 * The measures of `filter` for each grouping asked for: per grouping, one entry per key with any
 * activity (`total` always has its one entry, `'total'`). Five statements in all — one per
 * aggregate table with `grouping sets`, and one for "overdue now" over the partial indexes of
 * running clocks — never a scan of all instances.
 */
export async function measuresFor(executor: Executor, filter: MeasureFilter, groups: readonly GroupBy[]): Promise<Map<GroupBy, Map<string, Measures>>> {
  const by = (extra: readonly string[], alias = 'd') => groupingSets(groups, alias, extra);
  const d = by([]);
  const daily = await sql<Keyed<DailySums>>`
    select ${d.which} as g, ${d.key} as k, cast(sum(received) as int) as received, cast(sum(accepted) as int) as accepted,
      cast(sum(not_accepted) as int) as not_accepted, cast(sum(denied) as int) as denied, cast(sum(withdrawn) as int) as withdrawn,
      cast(sum(completed) as int) as completed, cast(sum(promised_met) as int) as promised_met,
      cast(sum(statutory_met) as int) as statutory_met, cast(sum(paused_cases) as int) as paused_cases,
      cast(sum(paused_wd) as float8) as paused_wd
    from ${periodRows('stats_daily', 'stats_monthly', filter)} as d where ${scope(filter, 'd', true)} group by grouping sets (${d.sets})`.execute(executor);
  const w = by(['wd']);
  const durations = await sql<Keyed<{ wd: number; n: number }>>`
    select ${w.which} as g, ${w.key} as k, d.wd, cast(sum(d.n) as int) as n
    from ${periodRows('stats_duration_daily', 'stats_duration_monthly', filter)} as d where ${scope(filter, 'd', true)} group by grouping sets (${w.sets})`.execute(executor);
  const l = by(['level']);
  const alerts = await sql<Keyed<{ level: string; n: number }>>`
    select ${l.which} as g, ${l.key} as k, d.level, cast(sum(d.n) as int) as n
    from ${periodRows('stats_alert_daily', 'stats_alert_monthly', filter)} as d where ${scope(filter, 'd', true)} group by grouping sets (${l.sets})`.execute(executor);
  const current = groups.filter((g) => g !== 'month');
  const overdue = new Map<string, { promised: number; statutory: number }>();
  if (current.length > 0) {
    const o = groupingSets(current, 'i', []);
    const asOf = sql`cast(${new Date(filter.asOf).toISOString()} as timestamptz)`;
    const { rows } = await sql<Keyed<{ promised: number; statutory: number }>>`
      select ${o.which} as g, ${o.key} as k,
        cast(count(*) filter (where i.promised_running and i.promised_due < ${asOf}) as int) as promised,
        cast(count(*) filter (where i.statutory_running and i.statutory_due < ${asOf}) as int) as statutory
      from stats_instances i
      where ((i.promised_running and i.promised_due < ${asOf}) or (i.statutory_running and i.statutory_due < ${asOf}))
        and ${scope(filter, 'i', false)}
      group by grouping sets (${o.sets})`.execute(executor);
    for (const r of rows) overdue.set(`${r.g}\u0000${r.k}`, { promised: r.promised, statutory: r.statutory });
  }

  const out = new Map<GroupBy, Map<string, Measures>>();
  for (const group of groups) {
    const mine = <T extends { g: GroupBy }>(rows: readonly T[]) => rows.filter((r) => r.g === group);
    const dailyRows = new Map(mine(daily.rows).map((r) => [r.k, r]));
    const keys = new Set<string>([...dailyRows.keys(), ...mine(alerts.rows).map((r) => r.k)]);
    if (group !== 'month') for (const key of overdue.keys()) if (key.startsWith(`${group}\u0000`)) keys.add(key.slice(group.length + 1));
    if (group === 'total') keys.add('total');
    const hist = new Map<string, Array<readonly [number, number]>>();
    for (const r of mine(durations.rows)) hist.set(r.k, [...(hist.get(r.k) ?? []), [r.wd, r.n] as const]);
    const levels = new Map<string, Map<string, number>>();
    for (const r of mine(alerts.rows)) levels.set(r.k, (levels.get(r.k) ?? new Map()).set(r.level, r.n));
    const measures = new Map<string, Measures>();
    for (const key of [...keys].sort()) {
      const sums = dailyRows.get(key) ?? EMPTY_DAILY;
      const due = group === 'month' ? null : (overdue.get(`${group}\u0000${key}`) ?? { promised: 0, statutory: 0 });
      measures.set(key, buildMeasures(sums, hist.get(key) ?? [], levels.get(key) ?? new Map(), due));
    }
    out.set(group, measures);
  }
  return out;
}

/** The measures of `filter` for one grouping (see `measuresFor`). */
export async function measuresBy(executor: Executor, filter: MeasureFilter, group: GroupBy): Promise<Map<string, Measures>> {
  return (await measuresFor(executor, filter, [group])).get(group) as Map<string, Measures>;
}

/** Measures from summed counters, a duration histogram and alert counts. Pure. */
function buildMeasures(
  d: DailySums,
  durationHistogram: ReadonlyArray<readonly [number, number]>,
  alerts: ReadonlyMap<string, number>,
  overdueNow: Measures['overdueNow'],
): Measures {
  const { count, sum } = histogramTotals(durationHistogram);
  const named = new Set<string>(Object.values(CARD_LEVELS));
  const other: Record<string, number> = {};
  for (const [level, n] of [...alerts].sort(([a], [b]) => a.localeCompare(b))) if (!named.has(level)) other[level] = n;
  return {
    received: d.received,
    accepted: d.accepted,
    notAccepted: d.not_accepted,
    denied: d.denied,
    refused: d.not_accepted + d.denied,
    withdrawn: d.withdrawn,
    completed: d.completed,
    completionRate: ratio(d.completed, d.accepted),
    onTime: { promised: d.promised_met, statutory: d.statutory_met },
    onTimeRate: { promised: ratio(d.promised_met, d.completed), statutory: ratio(d.statutory_met, d.completed) },
    durationWd: { average: count === 0 ? null : sum / count, p90: percentileOfHistogram(durationHistogram, 0.9) },
    paused: { cases: d.paused_cases, workingDays: d.paused_wd },
    overdueNow,
    cards: {
      reminder: alerts.get(CARD_LEVELS.reminder) ?? 0,
      yellowCard: alerts.get(CARD_LEVELS.yellowCard) ?? 0,
      redCard: alerts.get(CARD_LEVELS.redCard) ?? 0,
      stepOverdue: alerts.get(CARD_LEVELS.stepOverdue) ?? 0,
      other,
    },
  };
}

import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../../storage/database.ts';
import { textArray } from '../../storage/sql-array.ts';
import { COUNTERS, rollupRows, type CounterSums } from './department-rollup.ts';
import { periodCondition, periodRows, regionOnly, type StatsPeriod } from './stats-query.ts';

export type GroupBy = 'total' | 'department' | 'item' | 'region' | 'month';

export interface MeasureFilter extends StatsPeriod {
  department?: string;
  item?: string;
  /** Only these items (definition ids), e.g. every definition of a category. */
  items?: readonly string[];
  /** Instant "overdue now" is judged at, epoch ms. */
  asOf: number;
}

/** What one group's measures are computed from. */
export interface GroupSums {
  counters: CounterSums;
  /** Cases completed by working days taken. */
  durations: Map<number, number>;
  /** Alerts raised by level. */
  alerts: Map<string, number>;
}

/** Per grouping, the sums of every key with any counter, duration or alert in the period. */
export type SumsByGroup = Map<GroupBy, Map<string, GroupSums>>;

/** Sums of a group with no activity. */
export function emptySums(): GroupSums {
  const counters = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as unknown as CounterSums;
  return { counters, durations: new Map(), alerts: new Map() };
}

function sumsOf(out: SumsByGroup, group: GroupBy, key: string): GroupSums {
  let byKey = out.get(group);
  if (!byKey) out.set(group, (byKey = new Map()));
  let sums = byKey.get(key);
  if (!sums) byKey.set(key, (sums = emptySums()));
  return sums;
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

/** The filter's conditions on a table aliased `alias`: period (or region alone), department, items. */
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

type Keyed<T> = T & { g: GroupBy; k: string };

/** True when the department roll-ups can answer: no item filter and no grouping by item. */
export function rollupAnswers(filter: MeasureFilter, groups: readonly GroupBy[]): boolean {
  return filter.item === undefined && filter.items === undefined && !groups.includes('item');
}

/**
 * Sums from the department roll-ups (see `rollupRows`): one statement reads the rows of the
 * period and every grouping is summed here. Only for filters `rollupAnswers` accepts.
 */
export async function rollupSums(executor: Executor, filter: MeasureFilter, groups: readonly GroupBy[]): Promise<SumsByGroup> {
  const rows = await rollupRows(executor, filter, { byRegion: groups.includes('region') });
  const out: SumsByGroup = new Map();
  for (const row of rows) {
    for (const group of groups) {
      if (group === 'item') throw new Error('internal: the department roll-ups have no items');
      const sums = sumsOf(out, group, group === 'total' ? 'total' : row[group]);
      for (const c of COUNTERS) sums.counters[c] += row[c];
      for (const [wd, n] of Object.entries(row.durations)) sums.durations.set(Number(wd), (sums.durations.get(Number(wd)) ?? 0) + n);
      for (const [level, n] of Object.entries(row.alerts)) sums.alerts.set(level, (sums.alerts.get(level) ?? 0) + n);
    }
  }
  return out;
}

/** Sums from the per-item tables: one statement per table computes every grouping with `grouping sets`. */
export async function itemTableSums(executor: Executor, filter: MeasureFilter, groups: readonly GroupBy[]): Promise<SumsByGroup> {
  const d = groupingSets(groups, 'd', []);
  const w = groupingSets(groups, 'd', ['wd']);
  const l = groupingSets(groups, 'd', ['level']);
  const where = scope(filter, 'd', true);
  const [counters, durations, alerts] = await Promise.all([
    sql<Keyed<CounterSums>>`
      select ${d.which} as g, ${d.key} as k, ${sql.join(COUNTERS.map((c) => sql`cast(sum(${sql.ref(`d.${c}`)}) as float8) as ${sql.ref(c)}`))}
      from ${periodRows('stats_daily', 'stats_monthly', filter)} as d where ${where} group by grouping sets (${d.sets})`.execute(executor),
    sql<Keyed<{ wd: number; n: number }>>`
      select ${w.which} as g, ${w.key} as k, d.wd, cast(sum(d.n) as int) as n
      from ${periodRows('stats_duration_daily', 'stats_duration_monthly', filter)} as d where ${where} group by grouping sets (${w.sets})`.execute(executor),
    sql<Keyed<{ level: string; n: number }>>`
      select ${l.which} as g, ${l.key} as k, d.level, cast(sum(d.n) as int) as n
      from ${periodRows('stats_alert_daily', 'stats_alert_monthly', filter)} as d where ${where} group by grouping sets (${l.sets})`.execute(executor),
  ]);
  const out: SumsByGroup = new Map();
  for (const r of counters.rows) {
    const sums = sumsOf(out, r.g, r.k);
    for (const c of COUNTERS) sums.counters[c] = r[c];
  }
  for (const r of durations.rows) sumsOf(out, r.g, r.k).durations.set(r.wd, r.n);
  for (const r of alerts.rows) sumsOf(out, r.g, r.k).alerts.set(r.level, r.n);
  return out;
}

/**
 * Open cases whose promised (statutory) clock runs past its due instant at `asOf`, per grouping
 * (never by month), as `grouping → key → counts`. One index-only scan of the partial index of
 * running clocks per clock (two statements: a `union all` would get a parallel plan whose
 * workers cost more than the scans).
 */
export async function overdueNow(executor: Executor, filter: MeasureFilter, groups: readonly GroupBy[]): Promise<Map<GroupBy, Map<string, { promised: number; statutory: number }>>> {
  const out = new Map<GroupBy, Map<string, { promised: number; statutory: number }>>();
  const current = groups.filter((g) => g !== 'month');
  if (current.length === 0) return out;
  const o = groupingSets(current, 'i', []);
  const asOf = sql`cast(${new Date(filter.asOf).toISOString()} as timestamptz)`;
  const where = scope(filter, 'i', false);
  const [promised, statutory] = await Promise.all([
    sql<Keyed<{ n: number }>>`
      select ${o.which} as g, ${o.key} as k, cast(count(*) as int) as n
      from stats_instances i where i.promised_running and i.promised_due < ${asOf} and ${where} group by grouping sets (${o.sets})`.execute(executor),
    sql<Keyed<{ n: number }>>`
      select ${o.which} as g, ${o.key} as k, cast(count(*) as int) as n
      from stats_instances i where i.statutory_running and i.statutory_due < ${asOf} and ${where} group by grouping sets (${o.sets})`.execute(executor),
  ]);
  const add = (rows: ReadonlyArray<Keyed<{ n: number }>>, clock: 'promised' | 'statutory') => {
    for (const r of rows) {
      if (r.n === 0) continue;
      let byKey = out.get(r.g);
      if (!byKey) out.set(r.g, (byKey = new Map()));
      const counts = byKey.get(r.k) ?? { promised: 0, statutory: 0 };
      counts[clock] += r.n;
      byKey.set(r.k, counts);
    }
  };
  add(promised.rows, 'promised');
  add(statutory.rows, 'statutory');
  return out;
}

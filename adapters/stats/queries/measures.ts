import { sql, type RawBuilder } from 'kysely';
import { histogramTotals, percentileOfHistogram, ratio } from '../../../engine/stats/index.ts';
import type { Executor } from '../../storage/database.ts';
import { textArray } from '../../storage/sql-array.ts';
import { periodCondition, regionOnly, type StatsPeriod } from './stats-query.ts';

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

function keyOf(group: GroupBy, alias: string): RawBuilder<string> {
  switch (group) {
    case 'total':
      return sql<string>`'total'`;
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

interface DailyRow {
  k: string;
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

const EMPTY_DAILY: Omit<DailyRow, 'k'> = {
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

/**
 * The measures of `filter`, one entry per group key (only keys with any activity appear).
 * Reads the daily aggregate tables and, for "overdue now", the partial indexes of running
 * clocks — never a scan of all instances.
 */
export async function measuresBy(executor: Executor, filter: MeasureFilter, group: GroupBy): Promise<Map<string, Measures>> {
  const k = (alias: string) => keyOf(group, alias);
  const daily = await sql<DailyRow>`
    select ${k('d')} as k, cast(sum(received) as int) as received, cast(sum(accepted) as int) as accepted,
      cast(sum(not_accepted) as int) as not_accepted, cast(sum(denied) as int) as denied, cast(sum(withdrawn) as int) as withdrawn,
      cast(sum(completed) as int) as completed, cast(sum(promised_met) as int) as promised_met,
      cast(sum(statutory_met) as int) as statutory_met, cast(sum(paused_cases) as int) as paused_cases,
      cast(sum(paused_wd) as float8) as paused_wd
    from stats_daily d where ${scope(filter, 'd', true)} group by 1`.execute(executor);
  const durations = await sql<{ k: string; wd: number; n: number }>`
    select ${k('d')} as k, d.wd, cast(sum(d.n) as int) as n
    from stats_duration_daily d where ${scope(filter, 'd', true)} group by 1, 2`.execute(executor);
  const alerts = await sql<{ k: string; level: string; n: number }>`
    select ${k('d')} as k, d.level, cast(sum(d.n) as int) as n
    from stats_alert_daily d where ${scope(filter, 'd', true)} group by 1, 2`.execute(executor);
  const overdue = new Map<string, { promised: number; statutory: number }>();
  if (group !== 'month') {
    const asOf = new Date(filter.asOf).toISOString();
    const promised = await sql<{ k: string; n: number }>`
      select ${k('i')} as k, cast(count(*) as int) as n from stats_instances i
      where i.promised_running and i.promised_due < cast(${asOf} as timestamptz) and ${scope(filter, 'i', false)} group by 1`.execute(executor);
    const statutory = await sql<{ k: string; n: number }>`
      select ${k('i')} as k, cast(count(*) as int) as n from stats_instances i
      where i.statutory_running and i.statutory_due < cast(${asOf} as timestamptz) and ${scope(filter, 'i', false)} group by 1`.execute(executor);
    for (const r of promised.rows) overdue.set(r.k, { promised: r.n, statutory: overdue.get(r.k)?.statutory ?? 0 });
    for (const r of statutory.rows) overdue.set(r.k, { promised: overdue.get(r.k)?.promised ?? 0, statutory: r.n });
  }

  const keys = new Set<string>([...daily.rows.map((r) => r.k), ...alerts.rows.map((r) => r.k), ...overdue.keys()]);
  if (group === 'total') keys.add('total');
  const out = new Map<string, Measures>();
  for (const key of [...keys].sort()) {
    const d = daily.rows.find((r) => r.k === key) ?? { k: key, ...EMPTY_DAILY };
    const hist = durations.rows.filter((r) => r.k === key).map((r) => [r.wd, r.n] as const);
    const levels = new Map(alerts.rows.filter((r) => r.k === key).map((r) => [r.level, r.n]));
    out.set(key, buildMeasures(d, hist, levels, group === 'month' ? null : (overdue.get(key) ?? { promised: 0, statutory: 0 })));
  }
  return out;
}

/** Measures from summed counters, a duration histogram and alert counts. Pure. */
export function buildMeasures(
  d: Omit<DailyRow, 'k'>,
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

import { sql } from 'kysely';
import type { Executor } from '../../storage/database.ts';
import { rollupRows } from './department-rollup.ts';
import { checkId, checkPeriod, periodCondition, periodRows, statsSnapshot, type StatsPeriod } from './stats-query.ts';

export interface AlertCountsInput extends StatsPeriod {
  department?: string;
  item?: string;
}

export interface AlertCounts {
  period: { from: string; to: string };
  region: string | null;
  /** Alerts raised in the period by level (reminder, yellow-card, red-card, step-overdue, …). */
  byLevel: Record<string, number>;
  byDepartment: Array<{ department: string; byLevel: Record<string, number> }>;
  byMonth: Array<{ month: string; byLevel: Record<string, number> }>;
}

/**
 * Supervision alerts (cards) raised in a period, by level, in total, per department and per month.
 * @throws StatsQueryError on invalid input.
 */
export async function alertCounts(executor: Executor, input: AlertCountsInput): Promise<AlertCounts> {
  const period = checkPeriod(input);
  const department = input.department !== undefined ? checkId('department', input.department) : undefined;
  const item = input.item !== undefined ? checkId('item', input.item) : undefined;
  // Without an item the department roll-ups answer.
  const rows = await statsSnapshot(executor, async (executor) =>
    item === undefined
      ? (await rollupRows(executor, { ...period, ...(department !== undefined ? { department } : {}) }, { byRegion: false, onlyAlerts: true })).flatMap((r) =>
          Object.entries(r.alerts).map(([level, n]) => ({ department: r.department, month: r.month, level, n })),
        )
      : (
          await sql<{ department: string; month: string; level: string; n: number }>`
            select d.department, to_char(d.day, 'YYYY-MM') as month, d.level, cast(sum(d.n) as int) as n
            from ${periodRows('stats_alert_daily', 'stats_alert_monthly', period)} as d
            where ${periodCondition(period, 'd')} and d.definition_id = ${item}
              and ${department !== undefined ? sql<boolean>`d.department = ${department}` : sql<boolean>`true`}
            group by 1, 2, 3`.execute(executor)
        ).rows,
  );
  const add = (into: Record<string, number>, level: string, n: number) => {
    into[level] = (into[level] ?? 0) + n;
  };
  const byLevel: Record<string, number> = {};
  const byDepartment = new Map<string, Record<string, number>>();
  const byMonth = new Map<string, Record<string, number>>();
  const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const ordered = rows.sort((a, b) => text(a.department, b.department) || text(a.month, b.month) || text(a.level, b.level));
  for (const r of ordered) {
    add(byLevel, r.level, r.n);
    if (!byDepartment.has(r.department)) byDepartment.set(r.department, {});
    add(byDepartment.get(r.department) as Record<string, number>, r.level, r.n);
    if (!byMonth.has(r.month)) byMonth.set(r.month, {});
    add(byMonth.get(r.month) as Record<string, number>, r.level, r.n);
  }
  return {
    period: { from: period.from, to: period.to },
    region: period.region ?? null,
    byLevel,
    byDepartment: [...byDepartment].map(([d, levels]) => ({ department: d, byLevel: levels })),
    byMonth: [...byMonth].sort(([a], [b]) => text(a, b)).map(([month, levels]) => ({ month, byLevel: levels })),
  };
}

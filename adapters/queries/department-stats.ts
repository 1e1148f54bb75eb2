import { sql } from 'kysely';
import type { Executor } from '../storage/database.ts';
import { rowCondition, type CaseScope } from './case-scope.ts';

/** Alert levels that mean a limit was missed; a completed case with none of them was on time. */
export const LATE_LEVELS = ['yellow-card', 'red-card', 'step-overdue'] as const;

export interface DepartmentStats {
  department: string;
  received: number;
  active: number;
  completed: number;
  /** completed / received, 0 when nothing was received. */
  completionRate: number;
  /** Completed cases without a late alert / completed, 1 when nothing completed. */
  onTimeRate: number;
  /** Mean time from receipt to completion, in hours (natural time). */
  meanHoursToComplete: number | null;
  outcomes: Record<string, number>;
  alerts: Record<string, number>;
}

/**
 * Side-by-side figures per department for cases received in `[from, to)` within `scope`
 * (a department scope counts only the cases the department owns).
 */
export async function departmentStats(executor: Executor, scope: CaseScope, window: { from?: string; to?: string }): Promise<DepartmentStats[]> {
  const inWindow = sql<boolean>`${window.from ? sql`i.created_at >= ${new Date(window.from).toISOString()}` : sql`true`}
    and ${window.to ? sql`i.created_at < ${new Date(window.to).toISOString()}` : sql`true`}`;
  const late = sql.join(LATE_LEVELS.map((l) => sql`${l}`));
  const scoped = rowCondition(scope, 'i');
  const { rows } = await sql<{ department: string; received: number; active: number; completed: number; on_time: number; mean_hours: number | null }>`
    select i.department,
      count(*)::int as received,
      (count(*) filter (where i.status = 'active'))::int as active,
      (count(*) filter (where i.status = 'done'))::int as completed,
      (count(*) filter (where i.status = 'done' and not exists (
         select 1 from alerts a where a.instance_id = i.id and a.level in (${late}))))::int as on_time,
      cast(avg(extract(epoch from i.updated_at - i.created_at) / 3600.0) filter (where i.status = 'done') as float8) as mean_hours
    from instances i where ${scoped} and ${inWindow}
    group by i.department order by i.department`.execute(executor);
  const outcomes = await sql<{ department: string; outcome: string; n: number }>`
    select i.department, i.outcome, count(*)::int as n from instances i
    where ${scoped} and ${inWindow} and i.outcome is not null group by i.department, i.outcome`.execute(executor);
  const alerts = await sql<{ department: string; level: string; n: number }>`
    select i.department, a.level, count(*)::int as n from alerts a join instances i on i.id = a.instance_id
    where ${scoped} and ${inWindow} group by i.department, a.level`.execute(executor);
  return rows.map((r) => ({
    department: r.department,
    received: r.received,
    active: r.active,
    completed: r.completed,
    completionRate: r.received === 0 ? 0 : r.completed / r.received,
    onTimeRate: r.completed === 0 ? 1 : r.on_time / r.completed,
    meanHoursToComplete: r.mean_hours === null ? null : Math.round(r.mean_hours * 100) / 100,
    outcomes: Object.fromEntries(outcomes.rows.filter((o) => o.department === r.department).map((o) => [o.outcome, o.n])),
    alerts: Object.fromEntries(alerts.rows.filter((a) => a.department === r.department).map((a) => [a.level, a.n])),
  }));
}

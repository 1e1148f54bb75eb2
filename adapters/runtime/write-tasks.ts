import { sql } from 'kysely';
import type { Executor } from '../storage/database.ts';
import type { CommandPlan } from './plan-command.ts';

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/**
 * Keeps the worklist in step with the engine: opened or updated tasks are upserted as open
 * (a task re-entered after a return opens again), closed ones are marked with their reason.
 */
export async function writeTasks(executor: Executor, plans: readonly CommandPlan[]): Promise<void> {
  const open = plans.flatMap((p) =>
    p.effects.openTasks.map((t) => ({
      instance_id: p.instanceId,
      task_id: t.id,
      state: t.state,
      title: t.title,
      role: t.role,
      department: t.department,
      region: p.region,
      mode: t.mode,
      assignees: t.assignees,
      claimed_by: t.claimedBy ?? null,
      delegated_to: t.delegatedTo ?? null,
      opened_at: iso(t.openedAt),
      limit_due: iso(t.limitDue),
      detail: t,
      updated_at: iso(p.now),
    })),
  );
  const close = plans.flatMap((p) =>
    p.effects.closeTasks.map((t) => ({ instance_id: p.instanceId, task_id: t.taskId, reason: t.reason, at: iso(p.now) })),
  );
  if (open.length > 0) {
    await sql`
      insert into tasks (instance_id, task_id, state, title, role, department, region, mode, assignees, status,
                         claimed_by, delegated_to, opened_at, limit_due, detail, updated_at)
      select instance_id, task_id, state, title, role, department, region, mode, assignees, 'open',
             claimed_by, delegated_to, opened_at, limit_due, detail, updated_at
      from jsonb_to_recordset(cast(${JSON.stringify(open)} as jsonb)) as x(
        instance_id uuid, task_id text, state text, title jsonb, role text, department text, region text, mode text,
        assignees jsonb, claimed_by text, delegated_to text, opened_at timestamptz, limit_due timestamptz,
        detail jsonb, updated_at timestamptz)
      on conflict (instance_id, task_id) do update
        set state = excluded.state, title = excluded.title, role = excluded.role, department = excluded.department,
            mode = excluded.mode, assignees = excluded.assignees, status = 'open', claimed_by = excluded.claimed_by,
            delegated_to = excluded.delegated_to, opened_at = excluded.opened_at, limit_due = excluded.limit_due,
            detail = excluded.detail, updated_at = excluded.updated_at, closed_at = null, close_reason = null`.execute(
      executor,
    );
  }
  if (close.length > 0) {
    await sql`
      update tasks as t set status = 'closed', closed_at = x.at, close_reason = x.reason, updated_at = x.at
      from jsonb_to_recordset(cast(${JSON.stringify(close)} as jsonb)) as x(
        instance_id uuid, task_id text, reason text, at timestamptz)
      where t.instance_id = x.instance_id and t.task_id = x.task_id`.execute(executor);
  }
}

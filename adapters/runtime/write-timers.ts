import { sql } from 'kysely';
import type { Executor } from '../storage/database.ts';
import type { CommandPlan } from './plan-command.ts';

/**
 * Applies the timer effects of a round of plans: cancelled timers are deleted, armed ones
 * inserted or moved to their new due instant (an instance appears once per round).
 */
export async function writeTimers(executor: Executor, plans: readonly CommandPlan[]): Promise<void> {
  const cancels = plans.flatMap((p) => p.effects.cancel.map((timerId) => ({ instance_id: p.instanceId, timer_id: timerId })));
  const arms = plans.flatMap((p) =>
    p.effects.arm.map((t) => ({
      instance_id: p.instanceId,
      timer_id: t.timerId,
      clock: t.clock,
      due_at: new Date(t.dueAt).toISOString(),
      fire_order: t.order,
      region: p.region,
      armed_at: new Date(p.now).toISOString(),
    })),
  );
  if (cancels.length > 0) {
    await sql`
      delete from timers as t
      using jsonb_to_recordset(cast(${JSON.stringify(cancels)} as jsonb)) as x(instance_id uuid, timer_id text)
      where t.instance_id = x.instance_id and t.timer_id = x.timer_id`.execute(executor);
  }
  if (arms.length > 0) {
    await sql`
      insert into timers (instance_id, timer_id, clock, due_at, fire_order, region, armed_at)
      select instance_id, timer_id, clock, due_at, fire_order, region, armed_at
      from jsonb_to_recordset(cast(${JSON.stringify(arms)} as jsonb)) as x(
        instance_id uuid, timer_id text, clock text, due_at timestamptz, fire_order smallint, region text, armed_at timestamptz)
      on conflict (instance_id, timer_id) do update
        set clock = excluded.clock, due_at = excluded.due_at, fire_order = excluded.fire_order, region = excluded.region,
            armed_at = excluded.armed_at, attempts = 0, retry_at = null, last_error = null`.execute(executor);
  }
}

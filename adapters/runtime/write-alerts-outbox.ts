import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Executor } from '../storage/database.ts';
import type { CommandPlan } from './plan-command.ts';

/** Inserts the alerts the plans raised, with the department and region of their instance. */
export async function writeAlerts(executor: Executor, plans: readonly CommandPlan[]): Promise<void> {
  const rows = plans.flatMap((p) =>
    p.effects.alerts.map((a) => ({
      id: a.id,
      instance_id: p.instanceId,
      seq: p.audit.seq,
      region: p.region,
      department: p.department,
      level: a.level,
      clock: a.clock ?? null,
      rung: a.rung ?? null,
      due_at: a.dueAt === undefined ? null : new Date(a.dueAt).toISOString(),
      escalate_to: a.escalateTo ?? null,
      message: a.message,
      raised_at: new Date(p.now).toISOString(),
    })),
  );
  if (rows.length === 0) return;
  await sql`
    insert into alerts (id, instance_id, seq, region, department, level, clock, rung, due_at, escalate_to, message, raised_at)
    select id, instance_id, seq, region, department, level, clock, rung, due_at, escalate_to, message, raised_at
    from jsonb_to_recordset(cast(${JSON.stringify(rows)} as jsonb)) as x(
      id uuid, instance_id uuid, seq integer, region text, department text, level text, clock text, rung integer,
      due_at timestamptz, escalate_to text, message jsonb, raised_at timestamptz)`.execute(executor);
}

/** Queues the plans' outbox rows; the dispatcher delivers them after commit. */
export async function writeOutbox(executor: Executor, plans: readonly CommandPlan[]): Promise<void> {
  const rows = plans.flatMap((p) =>
    p.effects.outbox.map((o) => ({
      id: randomUUID(),
      idempotency_key: o.idempotencyKey,
      instance_id: p.instanceId,
      region: p.region,
      topic: o.topic,
      payload: o.payload,
    })),
  );
  if (rows.length === 0) return;
  await sql`
    insert into outbox (id, idempotency_key, instance_id, region, topic, payload)
    select id, idempotency_key, instance_id, region, topic, payload
    from jsonb_to_recordset(cast(${JSON.stringify(rows)} as jsonb)) as x(
      id uuid, idempotency_key text, instance_id uuid, region text, topic text, payload jsonb)`.execute(executor);
}

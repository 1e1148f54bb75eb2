import { sql, type Transaction } from 'kysely';
import { SYSTEM_ACTOR } from '../runtime/engine-port.ts';
import type { Database } from '../storage/database.ts';
import { jsonb } from '../storage/jsonb.ts';
import { textArray } from '../storage/sql-array.ts';
import { withAlertTables } from './alert-tables.ts';
import type { EscalationPolicy } from './escalation-policy.ts';
import { escalationMessage } from './alert-labels.ts';

/** An alert this transaction escalated. */
export interface EscalatedAlert {
  alertId: string;
  instanceId: string;
  seq: number;
  region: string;
  department: string;
  level: string;
  clock: string | null;
  rung: number | null;
  escalatedTo: string;
  escalatedAt: string;
  /** Time from raising to escalation, ms. */
  waitedMs: number;
  message: { zh: string; en?: string };
}

/** Who escalates: the engine itself, on behalf of the supervision rules. */
export const ESCALATION_ACTOR = { ...SYSTEM_ACTOR, job: 'alert-escalation' };

/**
 * Escalates up to `limit` alerts that nobody acknowledged within `policy.afterMs` of being raised,
 * by the database clock. Each is claimed with `FOR UPDATE SKIP LOCKED` and stamped in `trx`, so
 * with any number of nodes an alert is escalated once: a row another node holds is skipped, and
 * a row it has already stamped no longer matches when the lock is granted (PostgreSQL re-checks
 * the condition on the new row version). In the same transaction each escalation is recorded in
 * `alert_escalations` and leaves two outbox rows: an `alert` message (`change: 'escalated'`) for
 * live dashboards and a `notify` message to the supervising office.
 */
export async function escalateDueAlerts(trx: Transaction<Database>, policy: EscalationPolicy, limit: number): Promise<EscalatedAlert[]> {
  const { rows } = await sql<{
    id: string;
    instance_id: string;
    seq: number;
    region: string;
    department: string;
    level: string;
    clock: string | null;
    rung: number | null;
    message: { zh: string; en?: string };
    escalated_to: string;
    escalated_at: Date;
    waited_ms: number;
  }>`
    with due as (
      select a.id from alerts a
      where a.acknowledged_at is null and a.escalated_at is null
        and a.raised_at <= now() - make_interval(secs => ${policy.afterMs / 1000})
        and (a.level = any(${textArray(policy.levels)}) or a.escalate_to is not null)
      order by a.raised_at, a.id
      limit ${limit}
      for update skip locked)
    update alerts a set escalated_at = now(), escalated_to = coalesce(a.escalate_to, ${policy.target})
    from due
    where a.id = due.id and a.escalated_at is null and a.acknowledged_at is null
    returning a.id, a.instance_id, a.seq, a.region, a.department, a.level, a.clock, a.rung, a.message, a.escalated_to, a.escalated_at,
      cast(floor(extract(epoch from a.escalated_at - a.raised_at) * 1000) as float8) as waited_ms`.execute(trx);
  if (rows.length === 0) return [];
  const escalated: EscalatedAlert[] = rows
    .map((r) => ({
      alertId: r.id,
      instanceId: r.instance_id,
      seq: r.seq,
      region: r.region,
      department: r.department,
      level: r.level,
      clock: r.clock,
      rung: r.rung,
      escalatedTo: r.escalated_to,
      escalatedAt: r.escalated_at.toISOString(),
      waitedMs: r.waited_ms,
      message: r.message,
    }))
    .sort((a, b) => a.escalatedAt.localeCompare(b.escalatedAt) || a.alertId.localeCompare(b.alertId));

  const db = withAlertTables(trx);
  await db
    .insertInto('alert_escalations')
    .values(
      escalated.map((e) => ({
        alert_id: e.alertId,
        instance_id: e.instanceId,
        region: e.region,
        department: e.department,
        escalated_at: e.escalatedAt,
        escalated_to: e.escalatedTo,
        waited_ms: e.waitedMs,
        actor: jsonb(ESCALATION_ACTOR),
      })),
    )
    .execute();
  await trx
    .insertInto('outbox')
    .values(
      escalated.flatMap((e) => {
        const message = escalationMessage(e);
        return [
          {
            idempotency_key: `alert:${e.alertId}:escalated`,
            instance_id: e.instanceId,
            region: e.region,
            topic: 'alert',
            payload: jsonb({
              alertId: e.alertId,
              seq: e.seq,
              change: 'escalated',
              level: e.level,
              ...(e.clock !== null ? { clock: e.clock } : {}),
              ...(e.rung !== null ? { rung: e.rung } : {}),
              escalatedTo: e.escalatedTo,
              escalatedAt: e.escalatedAt,
              waitedMs: e.waitedMs,
              message,
              raisedMessage: e.message,
            }),
          },
          {
            idempotency_key: `alert:${e.alertId}:escalated:notify`,
            instance_id: e.instanceId,
            region: e.region,
            topic: 'notify',
            payload: jsonb({ instanceId: e.instanceId, seq: e.seq, type: 'notify', to: e.escalatedTo, template: 'alert-escalated', alertId: e.alertId, message }),
          },
        ];
      }),
    )
    .execute();
  return escalated;
}

import { auditRecordJson } from '../audit/append-audit-events.ts';
import type { CommandPlan } from './plan-command.ts';

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/**
 * The rows one round writes, per table, as plain records for `jsonb_to_recordset`; audit rows
 * already as JSON text, with their actor and payload exactly as they were hashed; snapshots as
 * JSON text apart from the records, for the `json` column that keeps them as written. Pure.
 */
export interface RoundRecords {
  starts: Record<string, unknown>[];
  /** The snapshot of each of `starts`, as JSON text, in the same order. */
  startSnapshots: string[];
  updates: Record<string, unknown>[];
  /** The snapshot of each of `updates`, as JSON text, in the same order. */
  updateSnapshots: string[];
  keys: Record<string, unknown>[];
  audit: string[];
  cancels: Record<string, unknown>[];
  arms: Record<string, unknown>[];
  openTasks: Record<string, unknown>[];
  closeTasks: Record<string, unknown>[];
  alerts: Record<string, unknown>[];
  outbox: Record<string, unknown>[];
}

/** Lays out every row of a round's plans (an instance appears in at most one plan). Pure. */
export function roundRecords(plans: readonly CommandPlan[]): RoundRecords {
  const r: RoundRecords = { starts: [], startSnapshots: [], updates: [], updateSnapshots: [], keys: [], audit: [], cancels: [], arms: [], openTasks: [], closeTasks: [], alerts: [], outbox: [] };
  for (const p of plans) {
    const id = p.instanceId;
    const at = iso(p.now);
    const common = { status: p.snapshot.status, outcome: p.snapshot.outcome ?? null, audit_head: p.audit.hash };
    if (p.insert) {
      r.startSnapshots.push(JSON.stringify(p.snapshot));
      r.starts.push({
        id,
        definition_id: p.insert.definitionId,
        definition_version: p.insert.definitionVersion,
        region: p.region,
        department: p.department,
        business_key: p.insert.businessKey,
        receipt_no: p.insert.receiptNo,
        created_at: at,
        ...common,
      });
    } else {
      r.updateSnapshots.push(JSON.stringify(p.snapshot));
      r.updates.push({ id, expected: p.expectedVersion, version: p.audit.seq, updated_at: at, ...common });
    }
    const c = p.command;
    if (c.kind !== 'timer' && c.idempotencyKey) {
      const { duplicate: _omitted, ...result } = p.result;
      r.keys.push({ key: c.idempotencyKey, instance_id: id, command: c.kind, region: p.region, result });
    }
    const a = p.audit;
    r.audit.push(auditRecordJson(a));
    const e = p.effects;
    for (const timerId of e.cancel) r.cancels.push({ instance_id: id, timer_id: timerId });
    for (const t of e.arm) {
      r.arms.push({ instance_id: id, timer_id: t.timerId, clock: t.clock, due_at: iso(t.dueAt), fire_order: t.order, region: p.region, armed_at: at });
    }
    for (const t of e.openTasks) {
      r.openTasks.push({
        instance_id: id,
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
        updated_at: at,
      });
    }
    for (const t of e.closeTasks) r.closeTasks.push({ instance_id: id, task_id: t.taskId, reason: t.reason, at });
    for (const x of e.alerts) {
      r.alerts.push({
        id: x.id,
        instance_id: id,
        seq: a.seq,
        region: p.region,
        department: p.department,
        level: x.level,
        clock: x.clock ?? null,
        rung: x.rung ?? null,
        due_at: iso(x.dueAt),
        escalate_to: x.escalateTo ?? null,
        message: x.message,
        raised_at: at,
      });
    }
    for (const o of e.outbox) {
      r.outbox.push({ idempotency_key: o.idempotencyKey, instance_id: id, region: p.region, topic: o.topic, payload: o.payload });
    }
  }
  return r;
}

import { AUDIT_COLUMNS } from '../audit/append-audit-events.ts';
import { ColumnRows } from '../storage/column-rows.ts';
import type { CommandPlan } from './plan-command.ts';

const STARTS = [
  ['id', 'uuid'],
  ['definition_id', 'text'],
  ['definition_version', 'integer'],
  ['region', 'text'],
  ['department', 'text'],
  ['business_key', 'text'],
  ['receipt_no', 'text'],
  ['status', 'text'],
  ['outcome', 'text'],
  ['audit_head', 'text'],
  ['created_at', 'timestamptz'],
  ['snapshot', 'json'],
] as const;
const UPDATES = [
  ['id', 'uuid'],
  ['expected', 'integer'],
  ['version', 'integer'],
  ['status', 'text'],
  ['outcome', 'text'],
  ['audit_head', 'text'],
  ['updated_at', 'timestamptz'],
  ['snapshot', 'json'],
] as const;
const KEYS = [
  ['key', 'text'],
  ['instance_id', 'uuid'],
  ['command', 'text'],
  ['region', 'text'],
  ['result', 'jsonb'],
] as const;
const CANCELS = [
  ['instance_id', 'uuid'],
  ['timer_id', 'text'],
] as const;
const ARMS = [
  ['instance_id', 'uuid'],
  ['timer_id', 'text'],
  ['clock', 'text'],
  ['due_at', 'timestamptz'],
  ['fire_order', 'smallint'],
  ['region', 'text'],
  ['armed_at', 'timestamptz'],
] as const;
const OPEN_TASKS = [
  ['instance_id', 'uuid'],
  ['task_id', 'text'],
  ['state', 'text'],
  ['role', 'text'],
  ['department', 'text'],
  ['region', 'text'],
  ['mode', 'text'],
  ['claimed_by', 'text'],
  ['delegated_to', 'text'],
  ['opened_at', 'timestamptz'],
  ['limit_due', 'timestamptz'],
  ['updated_at', 'timestamptz'],
  ['title', 'jsonb'],
  ['assignees', 'jsonb'],
  ['detail', 'jsonb'],
] as const;
const CLOSE_TASKS = [
  ['instance_id', 'uuid'],
  ['task_id', 'text'],
  ['reason', 'text'],
  ['at', 'timestamptz'],
] as const;
const ALERTS = [
  ['id', 'uuid'],
  ['instance_id', 'uuid'],
  ['seq', 'integer'],
  ['region', 'text'],
  ['department', 'text'],
  ['level', 'text'],
  ['clock', 'text'],
  ['rung', 'integer'],
  ['due_at', 'timestamptz'],
  ['escalate_to', 'text'],
  ['raised_at', 'timestamptz'],
  ['message', 'jsonb'],
] as const;
const OUTBOX = [
  ['idempotency_key', 'text'],
  ['instance_id', 'uuid'],
  ['region', 'text'],
  ['topic', 'text'],
  ['payload', 'jsonb'],
] as const;

/** The columns of each table a round writes. */
export const ROUND_COLUMNS = {
  starts: STARTS,
  updates: UPDATES,
  keys: KEYS,
  audit: AUDIT_COLUMNS,
  cancels: CANCELS,
  arms: ARMS,
  openTasks: OPEN_TASKS,
  closeTasks: CLOSE_TASKS,
  alerts: ALERTS,
  outbox: OUTBOX,
} as const;

/**
 * The rows one round writes, per table, column by column (see `ColumnRows`): audit rows with
 * their actor and payload exactly as they were hashed, snapshots as the JSON text the engine's
 * state serialises to. Pure.
 */
export interface RoundRecords {
  starts: ColumnRows<typeof STARTS>;
  updates: ColumnRows<typeof UPDATES>;
  keys: ColumnRows<typeof KEYS>;
  audit: ColumnRows<typeof AUDIT_COLUMNS>;
  cancels: ColumnRows<typeof CANCELS>;
  arms: ColumnRows<typeof ARMS>;
  openTasks: ColumnRows<typeof OPEN_TASKS>;
  closeTasks: ColumnRows<typeof CLOSE_TASKS>;
  alerts: ColumnRows<typeof ALERTS>;
  outbox: ColumnRows<typeof OUTBOX>;
}

/** A round's tables with no rows yet, for `addPlan`. */
export function emptyRoundRecords(): RoundRecords {
  return {
    starts: new ColumnRows(STARTS),
    updates: new ColumnRows(UPDATES),
    keys: new ColumnRows(KEYS),
    audit: new ColumnRows(AUDIT_COLUMNS),
    cancels: new ColumnRows(CANCELS),
    arms: new ColumnRows(ARMS),
    openTasks: new ColumnRows(OPEN_TASKS),
    closeTasks: new ColumnRows(CLOSE_TASKS),
    alerts: new ColumnRows(ALERTS),
    outbox: new ColumnRows(OUTBOX),
  };
}

/** Lays out every row of a round's plans (an instance appears in at most one plan). Pure. */
export function roundRecords(plans: readonly CommandPlan[]): RoundRecords {
  const r = emptyRoundRecords();
  for (const p of plans) addPlan(r, p);
  return r;
}

/**
 * Lays out the rows of one plan into `r`. A round lays out each plan as soon as it is made, so
 * that the plan's objects die young: only the encoded rows stay until the write.
 *
 * @throws TypeError when a value cannot be encoded; `r` may then hold part of the plan's rows,
 *   so the round must not be written.
 */
export function addPlan(r: RoundRecords, p: CommandPlan): void {
  const id = p.instanceId;
  const at = p.now;
  const { status } = p.snapshot;
  const outcome = p.snapshot.outcome ?? null;
  const a = p.audit;
  if (p.insert) {
    const { definitionId, definitionVersion, businessKey, receiptNo } = p.insert;
    r.starts.add(id, definitionId, definitionVersion, p.region, p.department, businessKey, receiptNo, status, outcome, a.hash, at, JSON.stringify(p.snapshot));
  } else {
    r.updates.add(id, p.expectedVersion ?? null, a.seq, status, outcome, a.hash, at, JSON.stringify(p.snapshot));
  }
  const c = p.command;
  if (c.kind !== 'timer' && c.idempotencyKey) {
    const { duplicate: _omitted, ...result } = p.result;
    r.keys.add(c.idempotencyKey, id, c.kind, p.region, JSON.stringify(result));
  }
  r.audit.add(id, a.seq, a.region, a.type, a.occurredAt, a.prevHash, a.hash, a.hashAlg, a.actorJson, a.payloadJson);
  const e = p.effects;
  for (const timerId of e.cancel) r.cancels.add(id, timerId);
  for (const t of e.arm) r.arms.add(id, t.timerId, t.clock, t.dueAt, t.order, p.region, at);
  for (const t of e.openTasks) {
    r.openTasks.add(
      id,
      t.id,
      t.state,
      t.role,
      t.department,
      p.region,
      t.mode,
      t.claimedBy ?? null,
      t.delegatedTo ?? null,
      t.openedAt,
      t.limitDue ?? null,
      at,
      JSON.stringify(t.title),
      JSON.stringify(t.assignees),
      JSON.stringify(t),
    );
  }
  for (const t of e.closeTasks) r.closeTasks.add(id, t.taskId, t.reason, at);
  for (const x of e.alerts) {
    r.alerts.add(x.id, id, a.seq, p.region, p.department, x.level, x.clock ?? null, x.rung ?? null, x.dueAt ?? null, x.escalateTo ?? null, at, JSON.stringify(x.message));
  }
  for (const o of e.outbox) r.outbox.add(o.idempotencyKey, id, p.region, o.topic, JSON.stringify(o.payload));
}

import type { AuditRow } from '../audit/append-audit-events.ts';
import { defaultEngine, type Actor, type CompiledDefinition, type EnginePort, type InstanceSnapshot } from './engine-port.ts';

/**
 * Rebuilds an instance's snapshot from its audit rows alone (in seq order): the start event
 * carries everything `startInstance` read, every later row its event and `occurred_at` is the
 * `now` the engine was given. A snapshot that differs from this replay was not produced by
 * its audit log. Pure.
 *
 * @throws EngineError when an event no longer applies (the log does not fit the definition).
 */
export function replayInstance(def: CompiledDefinition, rows: readonly AuditRow[], engine: EnginePort = defaultEngine): InstanceSnapshot {
  const [first, ...rest] = rows;
  if (!first || first.seq !== 1) throw new Error('replay needs the log from seq 1');
  const start = first.payload as { data: Record<string, unknown>; department: string; region: string; id?: string; receiptNo?: string };
  let snapshot = engine.startInstance(def, {
    data: start.data,
    department: start.department,
    region: start.region,
    ...(start.id !== undefined ? { id: start.id } : {}),
    ...(start.receiptNo !== undefined ? { receiptNo: start.receiptNo } : {}),
    actor: first.actor as unknown as Actor,
    now: first.occurredAt,
  }).snapshot;
  for (const row of rest) {
    const actor = row.actor as unknown as Actor;
    const p = row.payload;
    const event =
      row.type === 'govflow.timer'
        ? { type: 'govflow.timer' as const, timerId: String(p['timerId']), dueAt: Number(p['dueAt']), actor }
        : { type: row.type, actor, ...(p['payload'] !== undefined ? { payload: p['payload'] as Record<string, unknown> } : {}) };
    snapshot = engine.step(def, snapshot, event, row.occurredAt).snapshot;
  }
  return snapshot;
}

import { defaultEngine, type Actor, type CompiledDefinition, type EnginePort, type InstanceSnapshot, type StepResult } from '../runtime/engine-port.ts';

/** An audit row as the projector reads it. */
export interface ProjectedEvent {
  instanceId: string;
  seq: number;
  type: string;
  actor: Record<string, unknown>;
  payload: Record<string, unknown>;
  /** `occurred_at`, epoch ms: the `now` the engine was given. */
  at: number;
}

/**
 * Re-runs one audit event through the engine, exactly as `adapters/runtime/replay.ts` rebuilds a
 * snapshot: the start row carries everything `startInstance` read, every later row its event,
 * and `occurred_at` is the engine's `now`. Returns the engine's result, effects included, which
 * the audit row itself does not store. Pure.
 *
 * @throws EngineError when the event no longer applies to `before` (the log does not fit the definition).
 */
export function replayStep(def: CompiledDefinition, before: InstanceSnapshot | undefined, row: ProjectedEvent, engine: EnginePort = defaultEngine): StepResult {
  const actor = row.actor as unknown as Actor;
  const p = row.payload;
  if (before === undefined) {
    if (row.seq !== 1) throw new Error(`统计投影缺少实例开始事件 instance ${row.instanceId}: first event seen is seq ${row.seq}`);
    const start = p as { data: Record<string, unknown>; department: string; region: string; id?: string; receiptNo?: string };
    return engine.startInstance(def, {
      data: start.data,
      department: start.department,
      region: start.region,
      ...(start.id !== undefined ? { id: start.id } : {}),
      ...(start.receiptNo !== undefined ? { receiptNo: start.receiptNo } : {}),
      actor,
      now: row.at,
    });
  }
  const event =
    row.type === 'govflow.timer'
      ? { type: 'govflow.timer' as const, timerId: String(p['timerId']), dueAt: Number(p['dueAt']), actor }
      : { type: row.type, actor, ...(p['payload'] !== undefined ? { payload: p['payload'] as Record<string, unknown> } : {}) };
  return engine.step(def, before, event, row.at);
}

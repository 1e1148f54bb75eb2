import { GENESIS_HASH } from '../audit/audit-hash.ts';
import { sealAuditRow, type SealedAuditRow } from '../audit/append-audit-events.ts';
import { ConflictError } from '../errors.ts';
import { assertStorable } from './check-storable.ts';
import type { Command, CommandResult } from './commands.ts';
import { planEffects, type EffectPlan } from './effect-plan.ts';
import { SYSTEM_ACTOR, type CompiledDefinition, type EnginePort, type InstanceSnapshot, type StepResult } from './engine-port.ts';
import type { LoadedInstance } from './loaded-instance.ts';

/** Everything one command writes, computed before the first write. */
export interface CommandPlan {
  command: Command;
  instanceId: string;
  region: string;
  department: string;
  /** Set for a start: the row to insert (version 1). */
  insert?: { definitionId: string; definitionVersion: number; businessKey: string | null; receiptNo: string };
  /** Version the instance must still be at (sends and timers). */
  expectedVersion?: number;
  snapshot: InstanceSnapshot;
  audit: SealedAuditRow;
  effects: EffectPlan;
  now: number;
  result: CommandResult;
}

/**
 * Runs the engine for one command against its loaded instance and lays out every row the
 * command will write: snapshot, chained audit row (the event that ends the case names its
 * outcome), timers, tasks, alerts, outbox.
 * Returns `'stale'` for a timer the instance no longer expects (or an ended instance).
 * `receiptNo` is the start's pre-drawn receipt number. Pure apart from alert ids.
 *
 * @throws EngineError from the engine (nothing has been written); ConflictError when
 *   `expectedVersion` no longer matches the loaded row.
 */
export function planCommand(
  engine: EnginePort,
  command: Command,
  definition: CompiledDefinition,
  loaded: LoadedInstance | undefined,
  now: number,
  receiptNo?: string,
): CommandPlan | 'stale' {
  let stepped: StepResult;
  let payload: Record<string, unknown>;
  if (command.kind !== 'timer') assertStorable(command.actor, 'actor');
  if (command.kind === 'start') assertStorable(command.data, 'data');
  if (command.kind === 'send') assertStorable(command.event.payload ?? {}, 'payload');
  if (command.kind === 'start') {
    if (receiptNo === undefined) throw new Error('internal: a start command needs its receipt number');
    // Everything startInstance reads is recorded, so replaying the audit log rebuilds the snapshot exactly.
    const { data, department, region, instanceId: id } = command;
    stepped = engine.startInstance(definition, { data, department, region, id, receiptNo, actor: command.actor, now });
    payload = { data, department, region, id, receiptNo, to: stepped.record.to };
    if (command.businessKey !== undefined) payload['businessKey'] = command.businessKey;
  } else if (loaded === undefined) {
    throw new Error('internal: a send or timer command needs its loaded instance');
  } else if (command.kind === 'send') {
    if (command.expectedVersion !== undefined && command.expectedVersion !== loaded.version) {
      throw new ConflictError(command.instanceId, command.expectedVersion, loaded.version);
    }
    const event = { type: command.event.type, actor: command.actor, ...(command.event.payload ? { payload: command.event.payload } : {}) };
    stepped = engine.step(definition, loaded.snapshot, event, now);
    payload = { from: stepped.record.from, to: stepped.record.to };
    if (stepped.record.payload !== undefined) payload['payload'] = stepped.record.payload;
  } else {
    if (loaded.status === 'done' || loaded.snapshot.timers[command.timerId] !== command.dueAt) return 'stale';
    const event = { type: 'govflow.timer' as const, timerId: command.timerId, dueAt: command.dueAt, actor: SYSTEM_ACTOR };
    stepped = engine.step(definition, loaded.snapshot, event, now);
    if (stepped.noop) return 'stale';
    // Written as one literal: spreading the engine's payload first and adding to the copy cost a
    // timer's firing about 3 µs (the copy ends up a slow dictionary object).
    payload = {
      timerId: command.timerId,
      dueAt: command.dueAt,
      firedAt: now,
      lateMs: Math.max(0, now - command.dueAt),
      from: stepped.record.from,
      to: stepped.record.to,
    };
    const recorded = stepped.record.payload;
    if (recorded) for (const key of Object.keys(recorded)) if (!(key in payload)) payload[key] = recorded[key];
  }
  const instanceId = command.instanceId;
  const snapshot = stepped.snapshot;
  const seq = loaded ? loaded.version + 1 : 1;
  if (snapshot.seq !== seq) {
    throw new Error(`internal: engine returned seq ${snapshot.seq}, expected ${seq} for ${instanceId}`);
  }
  // The event that ends the case says so: live streams read a case's changes off its audit rows.
  if (snapshot.status === 'done') payload['outcome'] = snapshot.outcome ?? 'done';
  const region = loaded?.region ?? (command.kind === 'start' ? command.region : '');
  const department = loaded?.department ?? snapshot.department;
  const audit = sealAuditRow({
    instanceId,
    seq,
    region,
    type: stepped.record.type,
    actor: stepped.record.actor as unknown as Record<string, unknown>,
    payload,
    occurredAt: now,
    prevHash: loaded?.auditHead ?? GENESIS_HASH,
  });
  const effects = planEffects(instanceId, seq, stepped.effects);
  const plan: CommandPlan = {
    command,
    instanceId,
    region,
    department,
    snapshot,
    audit,
    effects,
    now,
    result: {
      instanceId,
      receiptNo: loaded?.receiptNo ?? receiptNo ?? '',
      version: seq,
      status: snapshot.status,
      outcome: snapshot.outcome ?? null,
      state: snapshot.value,
      duplicate: false,
    },
  };
  if (command.kind === 'start') {
    plan.insert = { definitionId: definition.id, definitionVersion: definition.version, businessKey: command.businessKey ?? null, receiptNo: plan.result.receiptNo };
  } else if (loaded) {
    plan.expectedVersion = loaded.version;
  }
  return plan;
}

import type { CompiledDefinition } from '../compile/compile-definition.ts';
import type { StepScope } from '../compile/step-scope.ts';
import { EngineError } from '../errors.ts';
import { describeErrors } from '../load/json-schemas.ts';
import { applyExtensions, stopAllClocks, updateClocks } from './clocks.ts';
import { cloneJson } from './clone-json.ts';
import { activeStates, runEvent, runInitial, type MachineMove } from './run-machine.ts';
import { applyTaskOperation, checkOperationPayload, STATE_FREE_OPERATIONS, TASK_OPERATION_PAYLOADS } from './task-operations.ts';
import { fireTimer } from './timers.ts';
import type { Actor, Effect, EngineEvent, InstanceSnapshot, StepResult, UserEvent } from './types.ts';

export interface StartInput {
  data: Record<string, unknown>;
  actor: Actor;
  now: number;
  department?: string;
  region?: string;
  /** Instance id and receipt number, when the runtime already knows them; guards may read them. */
  id?: string;
  receiptNo?: string;
}

const SYSTEM: Actor = { id: 'govflow', role: 'system' };

export function makeScope(defn: CompiledDefinition, snap: InstanceSnapshot, actor: Actor, payload: Record<string, unknown>, now: number, extra: Partial<StepScope> = {}): StepScope {
  return {
    actor,
    payload,
    now,
    instance: { department: snap.department, startedAt: snap.startedAt, ...(snap.region ? { region: snap.region } : {}) },
    task: {},
    openTasks: snap.tasks,
    params: defn.params,
    canWithdraw: false,
    taken: [],
    forbidden: [],
    ...extra,
  };
}

/** Brings clocks and finished instances up to date after the machine moved. Mutates `snap`. */
function settle(defn: CompiledDefinition, snap: InstanceSnapshot, moves: MachineMove[], now: number, effects: Effect[]): void {
  if (snap.status === 'done') {
    stopAllClocks(defn, snap, now, effects);
    snap.endedAt = now;
    for (const id of Object.keys(snap.tasks)) {
      delete snap.tasks[id];
      effects.push({ type: 'close-task', taskId: id, reason: 'left-state' });
    }
    for (const id of Object.keys(snap.timers)) {
      delete snap.timers[id];
      effects.push({ type: 'cancel-timer', timerId: id });
    }
    return;
  }
  const entered = union(moves.map((m) => m.entered));
  const backdate = union(moves.map((m) => m.backdate));
  updateClocks(defn, snap, activeStates(snap.value), entered, backdate, now, effects);
}

/** The union of `sets` (read only: one set is returned as it is). */
function union(sets: ReadonlyArray<ReadonlySet<string>>): ReadonlySet<string> {
  if (sets.length === 1) return sets[0] as ReadonlySet<string>;
  const all = new Set<string>();
  for (const set of sets) for (const x of set) all.add(x);
  return all;
}

/**
 * Starts an instance: validates its data and enters the initial states. Pure and deterministic.
 * @throws EngineError `INVALID_DATA` when `data` does not match the definition's data schema.
 */
export function startInstance(defn: CompiledDefinition, input: StartInput): StepResult {
  const data = structuredClone(input.data);
  if (defn.validateData && !defn.validateData(data)) {
    throw new EngineError('INVALID_DATA', `申请数据无效 instance data does not match the schema of '${defn.id}'`, { errors: describeErrors(defn.validateData) });
  }
  const snap: InstanceSnapshot = {
    definition: { id: defn.id, version: defn.version },
    value: '',
    data,
    clocks: {},
    tasks: {},
    status: 'active',
    department: input.department ?? defn.department,
    ...(input.region ?? defn.region ? { region: input.region ?? defn.region } : {}),
    timers: {},
    seq: 1,
    startedAt: input.now,
  };
  const effects: Effect[] = [];
  const scope = makeScope(defn, snap, input.actor, {}, input.now);
  if (input.id) scope.instance.id = input.id;
  if (input.receiptNo) scope.instance.receiptNo = input.receiptNo;
  const move = runInitial(defn, snap, scope, input.now, effects);
  settle(defn, snap, [move], input.now, effects);
  return { snapshot: snap, effects, record: { type: 'govflow.start', actor: input.actor, payload: { data: input.data }, from: '', to: snap.value } };
}

/**
 * Applies one event to a snapshot and returns the next snapshot and the effects to carry out.
 * Pure and deterministic: the same definition, snapshot, event and `now` give the same result,
 * and the input snapshot is not modified.
 * @throws EngineError with code `UNKNOWN_EVENT`, `EVENT_NOT_ALLOWED`, `FORBIDDEN`, `INVALID_PAYLOAD`,
 *   `GUARD_REJECTED`, `EXPRESSION_ERROR`, `INSTANCE_DONE`, `UNKNOWN_TASK`, `EXTENSION_LIMIT` or `DEFINITION_MISMATCH`.
 */
export function step(defn: CompiledDefinition, snapshot: InstanceSnapshot, event: EngineEvent, now: number): StepResult {
  if (snapshot.definition.id !== defn.id || snapshot.definition.version !== defn.version) {
    throw new EngineError('DEFINITION_MISMATCH', `实例属于 ${snapshot.definition.id}@${snapshot.definition.version}，不是 ${defn.id}@${defn.version}`, { instance: snapshot.definition });
  }
  if (snapshot.status === 'done') {
    throw new EngineError('INSTANCE_DONE', `办件已办结 the instance has ended with outcome '${snapshot.outcome ?? 'done'}'`, { outcome: snapshot.outcome });
  }
  const snap = cloneJson(snapshot);
  const effects: Effect[] = [];
  const from = snap.value;
  if (event.type === 'govflow.timer') {
    const timer = event as Extract<EngineEvent, { type: 'govflow.timer' }>;
    const fired = fireTimer(defn, snap, timer.timerId, timer.dueAt, effects);
    if (!fired) return { snapshot, effects: [], noop: true, record: { type: 'govflow.timer', actor: SYSTEM, payload: { timerId: timer.timerId }, from, to: from } };
    const moves: MachineMove[] = [];
    if (fired.raise) {
      const scope = makeScope(defn, snap, SYSTEM, {}, now);
      moves.push(runEvent(defn, snap, fired.raise, scope, now, effects));
    }
    settle(defn, snap, moves, now, effects);
    snap.seq += 1;
    const payload: Record<string, unknown> = { timerId: timer.timerId, dueAt: timer.dueAt, lateMs: Math.max(0, now - timer.dueAt) };
    if (fired.raise) payload['raised'] = fired.raise;
    return { snapshot: snap, effects, record: { type: 'govflow.timer', actor: event.actor ?? SYSTEM, payload, from, to: snap.value } };
  }
  const user = event as UserEvent;
  const payload = user.payload ?? {};
  const moves = applyUserEvent(defn, snap, user, payload, now, effects);
  settle(defn, snap, moves, now, effects);
  if (moves.some((m) => m.entered.size > 0 || m.exited.size > 0)) snap.lastMove = { by: user.actor.id, at: now };
  snap.seq += 1;
  return { snapshot: snap, effects, record: { type: user.type, actor: user.actor, ...(user.payload ? { payload: user.payload } : {}), from, to: snap.value } };
}

function applyUserEvent(defn: CompiledDefinition, snap: InstanceSnapshot, event: UserEvent, payload: Record<string, unknown>, now: number, effects: Effect[]): MachineMove[] {
  const type = event.type;
  if (STATE_FREE_OPERATIONS.has(type)) {
    checkOperationPayload(type, payload);
    const { task, result } = applyTaskOperation(defn, snap, type, payload, event.actor, now, effects);
    if (!result) return [];
    const spec = defn.tasks.get(task.state)!;
    const scope = makeScope(defn, snap, SYSTEM, {}, now, { task: { id: spec.id, ...result } });
    return [runEvent(defn, snap, `${spec.id}.completed`, scope, now, effects, 'left-state')];
  }
  if (type === 'task.return' || type === 'task.withdraw') return [returnOrWithdraw(defn, snap, event, payload, now, effects)];
  if (!defn.events[type]) {
    const declared = Object.keys(defn.events);
    throw new EngineError('UNKNOWN_EVENT', `未知事件 unknown event '${type}'; events of '${defn.id}': ${declared.join(', ')}, ${Object.keys(TASK_OPERATION_PAYLOADS).join(', ')}`, { event: type, known: declared });
  }
  const validate = defn.payloadValidators.get(type);
  if (validate ? !validate(payload) : Object.keys(payload).length > 0) {
    const errors = validate ? describeErrors(validate) : [{ path: '/', message: 'this event takes no payload' }];
    throw new EngineError('INVALID_PAYLOAD', `事件数据无效 invalid payload for '${type}'`, { event: type, errors });
  }
  const active = activeStates(snap.value);
  const candidates = (defn.transitionsByEvent.get(type) ?? []).filter((t) => active.has(t.from));
  if (candidates.length === 0) {
    const allowed = [...new Set(defn.transitions.filter((t) => active.has(t.from) && !t.eventless && !defn.internalEvents.has(t.event)).map((t) => t.event))];
    throw new EngineError('EVENT_NOT_ALLOWED', `当前环节不能办理 '${type}' is not allowed in state ${JSON.stringify(snap.value)}; allowed now: ${allowed.join(', ') || '(none)'}`, { event: type, state: snap.value, allowed });
  }
  const scope = makeScope(defn, snap, event.actor, payload, now);
  const move = runEvent(defn, snap, type, scope, now, effects);
  if (scope.taken.length === 0) {
    if (scope.forbidden.length > 0) {
      throw new EngineError('FORBIDDEN', `无权办理 role '${event.actor.role}' of '${event.actor.department ?? '-'}' may not send '${type}' here`, { event: type, roles: [...new Set(candidates.flatMap((t) => t.roles))] });
    }
    throw new EngineError('GUARD_REJECTED', `条件不满足 the conditions for '${type}' are not met: ${candidates.map((t) => t.guard?.source).filter(Boolean).join(' | ')}`, { event: type });
  }
  const reason = typeof payload.reason === 'string' ? payload.reason : undefined;
  applyExtensions(defn, snap, type, event.actor, reason, now, effects);
  return [move];
}

function returnOrWithdraw(defn: CompiledDefinition, snap: InstanceSnapshot, event: UserEvent, payload: Record<string, unknown>, now: number, effects: Effect[]): MachineMove {
  const type = event.type;
  checkOperationPayload(type, payload);
  const active = [...activeStates(snap.value)].map((s) => defn.states.get(s)!).filter(Boolean);
  const actor = event.actor;
  const owner = actor.department === snap.department;
  if (type === 'task.return') {
    const sites = active.filter((n) => n.spec['return-to']?.length);
    const allowed = sites.flatMap((n) => n.spec['return-to']!);
    if (!allowed.includes(String(payload.to))) {
      throw new EngineError('EVENT_NOT_ALLOWED', `不能退回到 '${String(payload.to)}' cannot return there; allowed: ${allowed.join(', ') || '(none)'}`, { allowed });
    }
    const holds = sites.some((n) => defn.tasks.get(n.name)?.role === actor.role) || actor.role === 'head';
    if (!owner || !holds) throw new EngineError('FORBIDDEN', `无权退回 role '${actor.role}' may not return this step`, { event: type });
    const scope = makeScope(defn, snap, actor, payload, now);
    return runEvent(defn, snap, type, scope, now, effects, 'returned');
  }
  const sites = active.filter((n) => n.spec['withdraw-to']);
  if (sites.length === 0) throw new EngineError('EVENT_NOT_ALLOWED', '当前环节不可撤回 nothing can be withdrawn here', { event: type });
  const untouched = Object.values(snap.tasks).every((t) => !t.claimedBy && t.votes.length === 0);
  const canWithdraw = snap.lastMove?.by === actor.id && untouched;
  if (!canWithdraw) {
    throw new EngineError('FORBIDDEN', '只有上一步的办理人在下一步未处理前可以撤回 only the sender of the last step may withdraw, before the next step is touched', { event: type });
  }
  const scope = makeScope(defn, snap, actor, payload, now, { canWithdraw });
  return runEvent(defn, snap, type, scope, now, effects, 'withdrawn');
}

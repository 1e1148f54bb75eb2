import type { CompiledDefinition } from '../compile/compile-definition.ts';
import type { StepScope } from '../compile/step-scope.ts';
import { withScope } from '../compile/machine.ts';
import { pureInitialTransition, pureTransition } from '../compile/pure-transition.ts';
import type { EffectSpec } from '../dsl/types.ts';
import { EngineError } from '../errors.ts';
import { cloneJson } from './clone-json.ts';
import { closeTask, openTask } from './tasks.ts';
import type { Effect, InstanceSnapshot } from './types.ts';

export interface MachineMove {
  entered: Set<string>;
  exited: Set<string>;
  /** Clocks the taken transitions start from the instance's start instead of now. */
  backdate: Set<string>;
}

interface ActionObject {
  type: string;
  params?: Record<string, unknown>;
}

function addStates(v: unknown, out: Set<string>): void {
  if (typeof v === 'string') out.add(v);
  else if (v && typeof v === 'object') {
    for (const key of Object.keys(v)) {
      out.add(key);
      addStates((v as Record<string, unknown>)[key], out);
    }
  }
}

/** All state names active in an XState state value. */
export function activeStates(value: InstanceSnapshot['value'] | undefined): Set<string> {
  const out = new Set<string>();
  addStates(value, out);
  return out;
}

export function toEffects(specs: EffectSpec[] | undefined): Effect[] {
  return (specs ?? []).map((e): Effect => {
    if (e.alert) {
      return { type: 'raise-alert', alert: { level: e.alert, ...(e.escalate ? { escalateTo: e.escalate } : {}), message: e.message ?? { zh: e.alert } } };
    }
    return { type: 'notify', to: e.notify ?? 'applicant', template: e.template ?? 'message', ...(e.channel ? { channel: e.channel } : {}), ...(e.message ? { message: e.message } : {}) };
  });
}

function failOnExpression(scope: StepScope): void {
  if (scope.error) {
    throw new EngineError('EXPRESSION_ERROR', `表达式求值失败 expression failed: ${scope.error.message}`, { expression: scope.error.expression });
  }
}

function applyActions(defn: CompiledDefinition, snap: InstanceSnapshot, actions: readonly ActionObject[], scope: StepScope, now: number, effects: Effect[], closeReason: 'left-state' | 'returned' | 'withdrawn'): MachineMove {
  const backdate = new Set(scope.taken.flatMap((key) => defn.transitions[key]?.backdate ?? []));
  const move: MachineMove = { entered: new Set(), exited: new Set(), backdate };
  for (const action of actions) {
    const state = action.params?.state as string | undefined;
    if (action.type === 'exit' && state) {
      move.exited.add(state);
      closeTask(defn, snap, state, closeReason, effects);
    } else if (action.type === 'enter' && state) {
      move.entered.add(state);
      effects.push(...toEffects(defn.states.get(state)?.spec.entry));
      openTask(defn, snap, state, scope, now, effects);
    } else if (action.type === 'effects') {
      effects.push(...toEffects(defn.transitions[action.params?.key as number]?.effects));
    }
  }
  return move;
}

function finish(defn: CompiledDefinition, snap: InstanceSnapshot, status: string, effects: Effect[]): void {
  if (status !== 'done') return;
  snap.status = 'done';
  const top = typeof snap.value === 'string' ? snap.value : Object.keys(snap.value)[0];
  const outcome = (top && defn.states.get(top)?.spec.outcome) ?? 'done';
  snap.outcome = outcome;
  effects.push({ type: 'outcome', outcome });
}

/** Enters the initial configuration. Mutates `snap`. */
export function runInitial(defn: CompiledDefinition, snap: InstanceSnapshot, scope: StepScope, now: number, effects: Effect[]): MachineMove {
  const [next, actions] = withScope(scope, () => pureInitialTransition(defn.machine, { data: snap.data }));
  failOnExpression(scope);
  snap.value = next.value as InstanceSnapshot['value'];
  snap.data = (next.context as { data: Record<string, unknown> }).data;
  const move = applyActions(defn, snap, actions as ActionObject[], scope, now, effects, 'left-state');
  finish(defn, snap, next.status, effects);
  return move;
}

/** What XState made of one event in one state, for an event that read nothing but its type. */
interface KnownTransition {
  value: InstanceSnapshot['value'];
  status: string;
  actions: readonly ActionObject[];
  taken: readonly number[];
  changed: boolean;
}

/** Known transitions kept per definition, at most. */
const KNOWN_LIMIT = 512;

const known = new WeakMap<CompiledDefinition, Map<string, KnownTransition>>();

/**
 * Sends one event through the XState machine with XState's pure `transition()`. Mutates `snap`.
 *
 * Events the engine raises itself (timer expiries, countersign results) carry the system actor.
 * When such an event's transition read nothing but its type and the state (no guard expression,
 * no assignment, no payload), XState's answer depends on the state value and the event type
 * alone: it is remembered per definition and reused, which spares a timer storm most of its
 * transition work. Entering states and the effects of the actions still run every time.
 */
export function runEvent(defn: CompiledDefinition, snap: InstanceSnapshot, type: string, scope: StepScope, now: number, effects: Effect[], closeReason: 'left-state' | 'returned' | 'withdrawn' = 'left-state'): MachineMove & { changed: boolean } {
  const memo = scope.actor.role === 'system' ? knownFor(defn) : undefined;
  const key = memo ? `${type}\u0000${typeof snap.value === 'string' ? snap.value : JSON.stringify(snap.value)}` : '';
  let result = memo?.get(key);
  if (result) {
    scope.taken.push(...result.taken);
    snap.value = typeof result.value === 'string' ? result.value : cloneJson(result.value);
  } else {
    const taken = scope.taken.length;
    const resolved = defn.machine.resolveState({ value: snap.value, context: { data: snap.data } } as never);
    const [next, actions] = withScope(scope, () => pureTransition(defn.machine, resolved, { type }, { data: snap.data }));
    failOnExpression(scope);
    result = { value: next.value as InstanceSnapshot['value'], status: next.status, actions, taken: scope.taken.slice(taken), changed: next !== resolved };
    if (memo && !scope.readScope && memo.size < KNOWN_LIMIT) memo.set(key, { ...result, value: cloneJson(result.value) });
    snap.value = result.value;
    snap.data = (next.context as { data: Record<string, unknown> }).data;
  }
  const move = applyActions(defn, snap, result.actions, scope, now, effects, closeReason);
  finish(defn, snap, result.status, effects);
  return { entered: move.entered, exited: move.exited, backdate: move.backdate, changed: result.changed };
}

function knownFor(defn: CompiledDefinition): Map<string, KnownTransition> {
  let memo = known.get(defn);
  if (!memo) {
    memo = new Map();
    known.set(defn, memo);
  }
  return memo;
}

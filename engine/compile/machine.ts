import { assign, setup, type AnyStateMachine } from 'xstate';
import type { DefinitionDoc } from '../dsl/types.ts';
import type { ExpressionContext } from '../expr/cel.ts';
import type { StateNode } from '../load/state-tree.ts';
import type { RuntimeTransition } from './compile-definition.ts';
import type { ScopedEvent, StepScope } from './step-scope.ts';

interface MachineContext {
  data: Record<string, unknown>;
}

/** Roles outside any department: they are checked by identity elsewhere, not by department. */
const EXTERNAL_ROLES = new Set(['applicant', 'bidder', 'public', 'system']);

export function expressionContext(scope: StepScope, data: Record<string, unknown>): ExpressionContext {
  return {
    data,
    payload: scope.payload,
    actor: { ...scope.actor },
    params: scope.params,
    instance: { ...scope.instance },
    task: scope.task,
    now: new Date(scope.now),
  };
}

/** Whether this actor may take this transition, by role and department. Pure. */
export function mayTake(t: RuntimeTransition, scope: StepScope): boolean {
  if (t.eventless) return true;
  const actor = scope.actor;
  if (actor.role === 'system') return true;
  if (!t.roles.includes(actor.role)) return false;
  if (EXTERNAL_ROLES.has(actor.role)) return true;
  switch (t.department) {
    case 'any':
      return true;
    case 'owner':
      return actor.department === scope.instance.department;
    case 'assignee':
      return Object.values(scope.openTasks).some((task) => task.state === t.from && actor.department !== undefined && task.assignees.includes(actor.department));
    default:
      return actor.department === t.department;
  }
}

function setPath(data: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined) return data;
  if (rest.length === 0) return { ...data, [head]: value };
  const child = data[head];
  const inner = child !== null && typeof child === 'object' && !Array.isArray(child) ? (child as Record<string, unknown>) : {};
  return { ...data, [head]: setPath(inner, rest, value) };
}

/** Runs an expression; a failure is kept on the scope (XState would swallow a throw inside a guard). */
function evaluate(scope: StepScope, fn: () => unknown, expression: string): unknown {
  try {
    return fn();
  } catch (error) {
    scope.error ??= { message: error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error), expression };
    return undefined;
  }
}

/**
 * The scope of the event being applied. XState raises its own events (`xstate.done.state.*`) while
 * a transition runs, and those carry no scope, so the scope of the outer event is kept here for the
 * duration of one synchronous `transition()` call.
 */
let activeScope: StepScope | undefined;

export function withScope<T>(scope: StepScope, run: () => T): T {
  const previous = activeScope;
  activeScope = scope;
  try {
    return run();
  } finally {
    activeScope = previous;
  }
}

function scopeOf(_event: unknown): StepScope {
  if (!activeScope) throw new Error('govflow machine used outside step()');
  return activeScope;
}

/** Builds the XState v5 machine. Guards and assignments read the `StepScope` carried by the event. */
export function buildMachine(def: DefinitionDoc, nodes: Map<string, StateNode>, transitions: RuntimeTransition[]): AnyStateMachine {
  const configured = setup({
    types: {} as { context: MachineContext; events: ScopedEvent; input: { data: Record<string, unknown> } },
    guards: {
      allowed: ({ context, event }, params: { key: number }) => {
        const t = transitions[params.key]!;
        const scope = scopeOf(event);
        if (!t.eventless && scope.actor.role !== 'system') scope.readScope = true;
        if (!mayTake(t, scope)) {
          scope.forbidden.push(t.key);
          return false;
        }
        if (t.guard) {
          scope.readScope = true;
          const guard = t.guard;
          const ok = evaluate(scope, () => guard.evaluate(expressionContext(scope, context.data)), guard.source);
          if (ok !== true) return false;
        }
        scope.taken.push(t.key);
        return true;
      },
      returnTo: ({ event }, params: { target: string }) => {
        const scope = scopeOf(event);
        scope.readScope = true;
        return scope.payload.to === params.target;
      },
      withdraw: ({ event }) => {
        const scope = scopeOf(event);
        scope.readScope = true;
        return scope.canWithdraw;
      },
    },
    actions: {
      assignData: assign(({ context, event }, params: { key: number }) => {
        const t = transitions[params.key]!;
        scopeOf(event).readScope = true;
        let data = context.data;
        for (const { path, expr } of t.assign) {
          const scope = scopeOf(event);
          const value = evaluate(scope, () => expr.evaluate(expressionContext(scope, data)), expr.source);
          data = setPath(data, path, value);
        }
        return { data };
      }),
      enter: () => undefined,
      exit: () => undefined,
      effects: () => undefined,
    },
  });
  const byState = new Map<string, RuntimeTransition[]>();
  for (const t of transitions) byState.set(t.from, [...(byState.get(t.from) ?? []), t]);

  const toConfig = (t: RuntimeTransition) => ({
    ...(t.target ? { target: `#${t.target}` } : {}),
    ...(t.target === t.from ? { reenter: true } : {}),
    guard: { type: 'allowed' as const, params: { key: t.key } },
    actions: [
      ...(t.assign.length ? [{ type: 'assignData' as const, params: { key: t.key } }] : []),
      ...(t.effects.length ? [{ type: 'effects' as const, params: { key: t.key } }] : []),
    ],
  });

  const stateConfig = (node: StateNode): Record<string, unknown> => {
    const own = byState.get(node.name) ?? [];
    const on: Record<string, unknown[]> = {};
    for (const t of own.filter((t) => !t.eventless)) on[t.event] = [...(on[t.event] ?? []), toConfig(t)];
    const returnTo = node.spec['return-to'] ?? [];
    if (returnTo.length) {
      on['task.return'] = returnTo.map((target) => ({ target: `#${target}`, guard: { type: 'returnTo', params: { target } } }));
    }
    const withdrawTo = node.spec['withdraw-to'];
    if (withdrawTo) on['task.withdraw'] = [{ target: `#${withdrawTo}`, guard: { type: 'withdraw' } }];
    const always = own.filter((t) => t.event === 'always').map(toConfig);
    const onDone = own.filter((t) => t.event === 'on-done').map(toConfig);
    const children = Object.fromEntries(node.children.map((c) => [c, stateConfig(nodes.get(c)!)]));
    return {
      id: node.name,
      ...(node.kind === 'final' ? { type: 'final' } : {}),
      ...(node.kind === 'parallel' ? { type: 'parallel' } : {}),
      ...(node.kind === 'compound' ? { initial: node.spec.initial } : {}),
      ...(node.children.length ? { states: children } : {}),
      entry: [{ type: 'enter', params: { state: node.name } }],
      exit: [{ type: 'exit', params: { state: node.name } }],
      ...(Object.keys(on).length ? { on } : {}),
      ...(always.length ? { always } : {}),
      ...(onDone.length ? { onDone } : {}),
    };
  };
  const top = Object.keys(def.states ?? {});
  return configured.createMachine({
    id: def.id,
    initial: def.initial,
    context: ({ input }: { input: { data: Record<string, unknown> } }) => ({ data: input.data }),
    states: Object.fromEntries(top.map((name) => [name, stateConfig(nodes.get(name)!)])),
  } as never) as unknown as AnyStateMachine;
}

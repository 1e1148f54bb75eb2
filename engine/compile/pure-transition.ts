import { createActor, type AnyActorScope, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';

interface ActionObject {
  type: string;
  params?: Record<string, unknown>;
}

/**
 * XState's own `transition()` builds a throw-away actor (and computes the machine's initial
 * snapshot) on every call, which costs more than the transition itself. The inert actor scope it
 * builds holds nothing between calls for machines without invoked or spawned actors — govflow
 * machines have none — so one scope per machine is kept and only its action collector is replaced.
 */
const scopes = new WeakMap<AnyStateMachine, AnyActorScope>();

function inertScope(machine: AnyStateMachine, input: unknown): AnyActorScope {
  let scope = scopes.get(machine);
  if (!scope) {
    const self = createActor(machine, { input });
    scope = {
      self,
      defer: () => undefined,
      id: '',
      logger: () => undefined,
      sessionId: '',
      stopChild: () => undefined,
      system: self.system,
      emit: () => undefined,
      actionExecutor: () => undefined,
    } as unknown as AnyActorScope;
    scopes.set(machine, scope);
  }
  return scope;
}

/** Same result as XState's pure `transition(machine, snapshot, event)`. Pure. */
export function pureTransition(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: { type: string }, input: unknown): [AnyMachineSnapshot, ActionObject[]] {
  const scope = inertScope(machine, input);
  const actions: ActionObject[] = [];
  scope.actionExecutor = (action) => void actions.push(action as ActionObject);
  return [machine.transition(snapshot, event, scope), actions];
}

/** Same result as XState's pure `initialTransition(machine, input)`. Pure. */
export function pureInitialTransition(machine: AnyStateMachine, input: unknown): [AnyMachineSnapshot, ActionObject[]] {
  const scope = inertScope(machine, input);
  const actions: ActionObject[] = [];
  scope.actionExecutor = (action) => void actions.push(action as ActionObject);
  return [machine.getInitialSnapshot(scope, input), actions];
}

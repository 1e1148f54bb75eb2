import { profileFor, type OutcomeClass } from '../../../engine/stats/index.ts';
import type { CompiledDefinition, RuntimeTransition } from '../../runtime/engine-port.ts';

/** What the demo reads off a definition to steer its cases: the state graph and its features. */
export interface DefinitionGraph {
  def: CompiledDefinition;
  /** Outcome classes some final state of the definition ends in. */
  reachable: Set<OutcomeClass>;
  /** Transitions of declared events (sent by people or the platform, not raised by the engine), by `from` state. */
  userTransitions: Map<string, RuntimeTransition[]>;
  /** Events that extend a clock (`extend-on`). */
  extensionEvents: Set<string>;
  /** States where some clock is paused (and their descendants). */
  pausedStates: Set<string>;
  /** Target of the engine-raised `<task>.completed` transition, by countersign task id. */
  countersignTargets: Map<string, string>;
  /** Working days of the promised limit (else the statutory one, else 10). */
  promisedWd: number;
  /** Steps from a state (as one leaf of the configuration) to a final state of the class. */
  distance(goal: OutcomeClass, state: string): number;
  /** Leaf states a transition into `target` enters. */
  entry(target: string): string[];
}

/** Builds the graph of a compiled definition. Pure. */
export function definitionGraph(def: CompiledDefinition): DefinitionGraph {
  const profile = profileFor(def.category);
  const nodes = def.states;
  const classOf = (state: string): OutcomeClass | undefined => {
    const outcome = nodes.get(state)?.spec.outcome;
    return outcome === undefined ? undefined : (profile.outcomes[outcome] ?? 'other');
  };
  const entry = (target: string): string[] => {
    const node = nodes.get(target);
    if (!node) return [];
    if (node.kind === 'parallel') return node.children.flatMap(entry);
    if (node.kind === 'compound') return entry(node.spec.initial ?? node.children[0] ?? '');
    return [target];
  };
  const descendantsOrSelf = (state: string): string[] => [state, ...(nodes.get(state)?.children ?? []).flatMap(descendantsOrSelf)];
  const leavesUnder = (state: string) => descendantsOrSelf(state).filter((s) => nodes.get(s)?.children.length === 0);

  // Edges leaf → leaf: a transition written on a state applies from every leaf under it;
  // a final child hands over to its parent's (or the enclosing parallel's) `on-done` target.
  const edges: Array<{ from: string; to: string; cost: number }> = [];
  for (const t of def.transitions) {
    // `on-done` waits for every region to finish: it is reached from the final children below.
    if (!t.target || t.event === 'on-done') continue;
    // Events the engine raises (a clock running out, a countersign decided) count as a step: the
    // case waits for them — unless guarded (e.g. deemed renewal), as the guard may never hold.
    const automatic = t.eventless;
    if (!automatic && def.internalEvents.has(t.event) && t.guard && !t.event.endsWith('.completed')) continue;
    for (const leaf of leavesUnder(t.from)) for (const to of entry(t.target)) edges.push({ from: leaf, to, cost: automatic ? 0 : 1 });
  }
  for (const node of nodes.values()) {
    if (node.kind !== 'final' || !node.parent) continue;
    let owner = nodes.get(node.parent);
    if (owner && owner.parent && nodes.get(owner.parent)?.kind === 'parallel') owner = nodes.get(owner.parent);
    for (const t of def.transitions) {
      if (t.from === owner?.name && t.event === 'on-done' && t.target) for (const to of entry(t.target)) edges.push({ from: node.name, to, cost: 0 });
    }
  }

  const cache = new Map<OutcomeClass, Map<string, number>>();
  const distances = (goal: OutcomeClass): Map<string, number> => {
    const known = cache.get(goal);
    if (known) return known;
    const dist = new Map<string, number>();
    const queue: string[] = [];
    for (const name of nodes.keys()) {
      if (classOf(name) === goal && nodes.get(name)?.kind === 'final') {
        dist.set(name, 0);
        queue.push(name);
      }
    }
    // 0/1-weighted shortest paths backwards over the edges (few hundred states: a plain relaxation loop).
    for (let changed = true; changed; ) {
      changed = false;
      for (const e of edges) {
        const d = dist.get(e.to);
        if (d === undefined) continue;
        const candidate = d + e.cost;
        if (candidate < (dist.get(e.from) ?? Infinity)) {
          dist.set(e.from, candidate);
          changed = true;
        }
      }
    }
    cache.set(goal, dist);
    return dist;
  };

  const userTransitions = new Map<string, RuntimeTransition[]>();
  for (const t of def.transitions) {
    if (t.eventless || def.internalEvents.has(t.event) || !def.events[t.event]) continue;
    userTransitions.set(t.from, [...(userTransitions.get(t.from) ?? []), t]);
  }
  const pausedStates = new Set(def.clocks.flatMap((c) => c.pausedIn).flatMap(descendantsOrSelf));
  const countersignTargets = new Map<string, string>();
  for (const task of def.tasks.values()) {
    if ((task.mode ?? 'single') === 'single') continue;
    const done = def.transitions.find((t) => t.event === `${task.id}.completed` && t.target);
    if (done?.target) countersignTargets.set(task.id, done.target);
  }
  const limitClock = def.clocks.find((c) => profile.promisedClocks.includes(c.name)) ?? def.clocks.find((c) => profile.statutoryClocks.includes(c.name));
  const promisedWd = limitClock && limitClock.limit.unit === 'wd' ? limitClock.limit.amount : 10;
  const reachable = new Set<OutcomeClass>();
  for (const name of nodes.keys()) {
    const c = classOf(name);
    if (c && nodes.get(name)?.kind === 'final') reachable.add(c);
  }
  return {
    def,
    reachable,
    userTransitions,
    extensionEvents: new Set(def.clocks.flatMap((c) => c.extendOn.map((e) => e.event))),
    pausedStates,
    countersignTargets,
    promisedWd,
    distance: (goal, state) => distances(goal).get(state) ?? Infinity,
    entry,
  };
}

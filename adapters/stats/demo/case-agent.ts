import { activeStates } from '../../../engine/index.ts';
import type { OutcomeClass } from '../../../engine/stats/index.ts';
import { leafStates, profileFor } from '../../../engine/stats/index.ts';
import type { Actor, EnginePort, InstanceSnapshot, RuntimeTransition } from '../../runtime/engine-port.ts';
import type { DefinitionGraph } from './definition-graph.ts';
import type { SeededRandom } from './seeded-random.ts';
import { synthesize, type FieldHint } from './synthesize.ts';

/** How one simulated case will go, drawn when it arrives. */
export interface Persona {
  goal: OutcomeClass;
  /** For `withdrawn`: withdraw only after acceptance. */
  withdrawLate: boolean;
  /** Take the detour before acceptance (supplement notice) once. */
  supplement: boolean;
  /** Take a detour into a paused state (Art. 45 special procedure) once. */
  pause: boolean;
  /** Take another detour (on-site inspection) once. */
  inspect: boolean;
  extension: boolean;
  /** Let an expiring clock run out once (e.g. the window forgets to accept in time). */
  forget: boolean;
  lateness: 'normal' | 'late' | 'very-late';
  /** How many outside parties (bidders) act on events that record without moving the case. */
  crowd: number;
}

/** One simulated case: what the demo knows about it between decisions. */
export interface SimulatedCase {
  no: number;
  instanceId: string;
  graph: DefinitionGraph;
  persona: Persona;
  region: string;
  taken: Set<string>;
  /** Candidates that failed in the current configuration, by `leaves|event|actor|variant`. */
  failed: Set<string>;
  /** Times each `leaves|event` was chosen: a move is not repeated a third time (no endless loops). */
  chosen: Map<string, number>;
  decisions: number;
}

/** A command chosen for a case. */
export interface Decision {
  event: string;
  actor: Actor;
  payload?: Record<string, unknown>;
  kind: 'progress' | 'detour' | 'extension' | 'crowd';
  flavor?: string;
}

interface Candidate {
  event: string;
  transitions: RuntimeTransition[];
  kind: Decision['kind'];
  flavor?: string;
  score: number;
  actors: Actor[];
  countersign?: { task: string };
}

const OUTSIDE_ROLES = new Set(['applicant', 'bidder', 'public']);
const PREFERRED: Partial<Record<OutcomeClass, readonly string[]>> = {
  granted: ['approve', 'approved', 'grant', 'pass', 'window', 'electronic'],
  denied: ['deny', 'denied', 'reject', 'rejected', 'window'],
};

function accepted(c: SimulatedCase, snap: InstanceSnapshot): boolean {
  return profileFor(c.graph.def.category).statutoryClocks.some((name) => (snap.clocks[name]?.status ?? 'idle') !== 'idle');
}

function goalNow(c: SimulatedCase, snap: InstanceSnapshot): OutcomeClass {
  const { goal, withdrawLate } = c.persona;
  const reachable = c.graph.reachable;
  const wanted = goal === 'withdrawn' && withdrawLate && !accepted(c, snap) ? 'granted' : goal;
  if (reachable.has(wanted)) return wanted;
  return reachable.has('granted') ? 'granted' : ([...reachable][0] ?? 'other');
}

function actorsFor(c: SimulatedCase, snap: InstanceSnapshot, transitions: readonly RuntimeTransition[], rng: SeededRandom): Actor[] {
  const out: Actor[] = [];
  for (const t of transitions) {
    for (const role of t.roles) {
      if (role === 'system') {
        // A declared event only the platform sends (e.g. the random expert draw).
        if (t.roles.every((r) => r === 'system')) out.push({ id: 'trading-platform', role });
        continue;
      }
      if (OUTSIDE_ROLES.has(role)) {
        out.push({ id: `${role}-${c.no}`, role, region: c.region });
        continue;
      }
      if (t.department === 'assignee') continue;
      const department = t.department === 'owner' || t.department === 'any' ? snap.department : t.department;
      out.push({ id: `${role}-${department}-${rng.int(1, 6)}`, role, department });
    }
  }
  const seen = new Set<string>();
  return out.filter((a) => !seen.has(`${a.role}|${a.department ?? ''}`) && seen.add(`${a.role}|${a.department ?? ''}`));
}

/**
 * Distance of a configuration of parallel leaves: the farthest leaf that can reach the goal at
 * all (a region that never finishes — a sale period ended by a clock elsewhere — does not block).
 */
function spread(distances: readonly number[]): number {
  const finite = distances.filter(Number.isFinite);
  return finite.length > 0 ? Math.max(...finite) : Infinity;
}

/** True when `state` is `ancestor` or lies inside it. */
function isUnder(g: DefinitionGraph, state: string, ancestor: string): boolean {
  for (let s: string | undefined = state; s !== undefined; s = g.def.states.get(s)?.parent) if (s === ancestor) return true;
  return false;
}

/** The commands a case could send now, best first, following its persona. */
function candidates(c: SimulatedCase, snap: InstanceSnapshot, rng: SeededRandom): Candidate[] {
  const g = c.graph;
  const goal = goalNow(c, snap);
  const active = activeStates(snap.value);
  const leaves = leafStates(snap.value);
  const byEvent = new Map<string, RuntimeTransition[]>();
  for (const state of active) for (const t of g.userTransitions.get(state) ?? []) byEvent.set(t.event, [...(byEvent.get(t.event) ?? []), t]);
  // Without knowing which guards hold, the best unguarded move bounds what counts as progress:
  // anything that leads further from the goal than it is a detour (supplement, inspection, pause).
  const distanceTo = (targets: readonly string[]) => Math.min(...targets.map((t) => spread(g.entry(t).map((l) => g.distance(goal, l)))));
  let bestUnguarded = Infinity;
  for (const transitions of byEvent.values()) {
    const free = transitions.filter((t) => t.target && !t.guard).map((t) => t.target as string);
    if (free.length > 0) bestUnguarded = Math.min(bestUnguarded, distanceTo(free));
  }
  const out: Candidate[] = [];
  for (const [event, transitions] of byEvent) {
    const actors = actorsFor(c, snap, transitions, rng);
    if (actors.length === 0) continue;
    const targets = transitions.flatMap((t) => (t.target ? [t.target] : []));
    if (targets.length === 0) {
      if (g.extensionEvents.has(event)) out.push({ event, transitions, kind: 'extension', score: 0, actors });
      // Many outside parties (bidders) each record their part — register, pay the deposit, bid — in
      // the order the definition declares the events; undoing events (withdraw…) are left out.
      if (/^(withdraw|cancel|revoke)/.test(event)) continue;
      const order = Object.keys(g.def.events).indexOf(event);
      // Staff of other departments (`department: any`), e.g. recipients signing for a document:
      // try the departments the case's data names.
      const open = transitions.find((t) => t.department === 'any' && t.roles.some((r) => !OUTSIDE_ROLES.has(r) && r !== 'system'));
      if (open) {
        const role = open.roles.find((r) => !OUTSIDE_ROLES.has(r) && r !== 'system') as string;
        const named = Object.values(snap.data).flatMap((v) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []));
        for (const department of [...new Set(named)].slice(0, 20)) {
          if (c.taken.has(`crowd:${event}:${department}`)) continue;
          out.push({ event, transitions, kind: 'crowd', flavor: `crowd:${event}:${department}`, score: order, actors: [{ id: `${role}-${department}`, role, department }] });
        }
      }
      const party = actors.find((a) => a.role !== 'applicant' && OUTSIDE_ROLES.has(a.role));
      if (!party) continue;
      for (let k = 1; k <= c.persona.crowd; k++) {
        if (c.taken.has(`crowd:${event}:${k}`)) continue;
        out.push({ event, transitions, kind: 'crowd', flavor: `crowd:${event}:${k}`, score: k * 1000 + order, actors: [{ ...party, id: `${party.role}-${c.no}-${k}` }] });
      }
      continue;
    }
    const fromLeaves = leaves.filter((l) => transitions.some((t) => isUnder(g, l, t.from)));
    const dFrom = spread(fromLeaves.map((l) => g.distance(goal, l)));
    const dTo = distanceTo(targets);
    if (!Number.isFinite(dTo)) continue;
    if (dTo < dFrom || dTo <= bestUnguarded) {
      out.push({ event, transitions, kind: 'progress', score: dTo, actors });
    } else {
      const into = targets.flatMap((t) => g.entry(t));
      const flavor = into.some((s) => g.pausedStates.has(s)) ? 'pause' : accepted(c, snap) ? 'inspect' : 'supplement';
      out.push({ event, transitions, kind: 'detour', flavor, score: dTo, actors });
    }
  }
  for (const task of Object.values(snap.tasks)) {
    const spec = g.def.tasks.get(task.state);
    const target = spec ? g.countersignTargets.get(spec.id) : undefined;
    if (!target || task.mode === 'single') continue;
    const voted = new Set(task.votes.map((v) => v.assignee));
    const assignee = task.assignees.find((a) => !voted.has(a));
    if (assignee === undefined) continue;
    const actor = { id: `${task.role}-${assignee}-${rng.int(1, 6)}`, role: task.role, department: assignee };
    const score = spread(g.entry(target).map((l) => g.distance(goal, l)));
    out.push({ event: 'task.complete', transitions: [], kind: 'progress', flavor: `vote:${task.id}:${assignee}`, score, actors: [actor], countersign: { task: task.id } });
  }
  const wanted = (k: Candidate) =>
    k.kind === 'progress' ||
    k.kind === 'crowd' ||
    (k.kind === 'extension' && c.persona.extension && !c.taken.has('extension')) ||
    (k.kind === 'detour' && k.flavor !== undefined && c.persona[k.flavor as 'pause' | 'inspect' | 'supplement'] && !c.taken.has(k.flavor));
  const rank = (k: Candidate) => (k.kind === 'crowd' ? 0 : k.kind === 'progress' ? 2 : 1);
  return out.filter(wanted).sort((a, b) => rank(a) - rank(b) || a.score - b.score || a.event.localeCompare(b.event));
}

/**
 * Values the demo gives fields that must fit each other or the case (the tender's amounts, the
 * expert panel, candidates drawn from the bids received); everything else is synthesized.
 */
function fieldHint(data: Record<string, unknown>, rng: SeededRandom): FieldHint {
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const hex = (n: number) => Array.from({ length: n }, () => rng.int(0, 15).toString(16)).join('');
  return (name) => {
    switch (name) {
      case 'estimate':
        return rng.int(500, 5000) * 10_000;
      case 'depositAmount':
      case 'amount':
        return 50_000;
      case 'tendereeRepresentatives':
        return 0;
      case 'experts':
        return Array.from({ length: 5 }, (_, i) => ({ id: `expert-${hex(6)}`, specialty: ['房屋建筑', '市政', '造价', '电气', '水利'][i], declaredNoConflict: true }));
      case 'candidates':
        return list(data['bidsReceived']).slice(0, 3);
      case 'winner':
        return list(data['candidates'])[0];
      case 'fileHash':
      case 'seed':
        return hex(16);
      default:
        return undefined;
    }
  };
}

/** Payload variants of an event: preferred enum values first, then each value of the first enum. */
function payloads(c: SimulatedCase, snap: InstanceSnapshot, event: string, goal: OutcomeClass, rng: SeededRandom): Array<Record<string, unknown> | undefined> {
  if (event === 'task.complete') return [{ decision: goal === 'denied' ? 'reject' : 'approve' }];
  const schema = c.graph.def.events[event]?.payload;
  if (!schema) return [undefined];
  const params = Object.values(c.graph.def.params).filter(Array.isArray).flat() as unknown[];
  const prefer = PREFERRED[goal] ?? [];
  const ordered = (values: readonly unknown[]) => {
    const rest = values.filter((v) => !params.includes(v) && !prefer.includes(String(v)));
    // Values nothing prefers come in a random order (a document's urgency, a bidder's credit status).
    const shift = rest.length > 0 ? rng.int(0, rest.length - 1) : 0;
    return [
      ...values.filter((v) => params.includes(v)),
      ...values.filter((v) => prefer.includes(String(v)) && !params.includes(v)),
      ...rest.slice(shift),
      ...rest.slice(0, shift),
    ];
  };
  let firstEnum: { path: string; values: unknown[] } | undefined;
  const base = synthesize(schema, rng, (path, values) => {
    const list = ordered(values);
    firstEnum ??= { path, values: list };
    return list[0];
  }, fieldHint(snap.data, rng)) as Record<string, unknown>;
  const variants: Array<Record<string, unknown>> = [base];
  const found = firstEnum as { path: string; values: unknown[] } | undefined;
  if (found && !found.path.includes('.') && !found.path.includes('[')) {
    for (const value of found.values.slice(1, 8)) variants.push({ ...base, [found.path]: value });
  }
  return variants;
}

/**
 * True when the engine may refuse the command even though it is well formed: a guard on the
 * transition the actor's role would take, several candidate transitions, a task operation, or a
 * move off the main path. Plain moves skip the dry run — the runtime runs the engine anyway.
 */
function needsDryRun(k: Candidate, actor: Actor): boolean {
  if (k.kind !== 'progress' || k.countersign) return true;
  const mine = k.transitions.filter((t) => t.roles.includes(actor.role));
  return new Set(mine.map((t) => t.from)).size !== 1 || mine[0]?.guard !== undefined;
}

/**
 * Chooses what the case does now: the best candidate the engine accepts on the current snapshot
 * (a dry run with the pure engine where a guard could refuse it; nothing is written). Undefined
 * when nothing applies now — a timer may move the case on later.
 */
export function decide(c: SimulatedCase, snap: InstanceSnapshot, now: number, engine: EnginePort, rng: SeededRandom): Decision | undefined {
  const config = leafStates(snap.value).join(',');
  const goal = goalNow(c, snap);
  for (const k of candidates(c, snap, rng)) {
    const move = `${config}|${k.event}|${k.flavor ?? ''}`;
    if ((c.chosen.get(move) ?? 0) >= 2) continue;
    for (const actor of k.actors) {
      for (const [i, payload] of payloads(c, snap, k.event, goal, rng).entries()) {
        const key = `${config}|${k.event}|${actor.id}|${i}`;
        if (c.failed.has(key)) continue;
        const body = k.countersign ? { ...payload, task: k.countersign.task } : payload;
        const decision: Decision = { event: k.event, actor, ...(body ? { payload: body } : {}), kind: k.kind, ...(k.flavor ? { flavor: k.flavor } : {}) };
        if (needsDryRun(k, actor)) {
          try {
            engine.step(c.graph.def, snap, { type: k.event, actor, ...(body ? { payload: body } : {}) }, now);
          } catch {
            c.failed.add(key);
            continue;
          }
        }
        c.chosen.set(move, (c.chosen.get(move) ?? 0) + 1);
        return decision;
      }
    }
  }
  return undefined;
}

import type { Calendar } from '../../engine/calendar/types.ts';
import { advanceFacts, advanceFactsInPlace, openFacts, profileFor, type InstanceFacts, type StatsDelta } from '../../engine/stats/index.ts';
import { cloneJson } from '../../engine/step/clone-json.ts';
import type { CompiledDefinition, EnginePort, InstanceSnapshot } from '../runtime/engine-port.ts';
import type { ProjectedEvent } from './replay-step.ts';
import { replayStep } from './replay-step.ts';
import type { FactsRow } from './write-projections.ts';

/** Where the projector left one instance. */
export interface ProjectionState {
  facts?: InstanceFacts;
  /** Engine snapshot after `facts.seq`; absent once the instance ended or failed. */
  snapshot?: InstanceSnapshot;
  /** Set when replaying failed: later events of the instance are skipped. */
  error?: string | null;
  definition: { id: string; version: number };
}

/** What one batch changes. */
export interface AppliedEvents {
  /** Facts of the instances the batch changed (events applied, or replay failed); unchanged ones are left out. */
  facts: FactsRow[];
  open: Map<string, InstanceSnapshot>;
  closed: string[];
  deltas: StatsDelta[];
  applied: number;
  failures: Array<{ instanceId: string; seq: number; error: unknown }>;
}

export interface ApplyEventsContext {
  engine: EnginePort;
  calendar: Calendar;
  definition(id: string, version: number): CompiledDefinition;
}

interface InstanceRun {
  facts: InstanceFacts | undefined;
  snapshot: InstanceSnapshot | undefined;
  error: string | null;
  failure: { seq: number; error: unknown } | undefined;
  deltas: StatsDelta[];
  applied: number;
}

/** Thrown past `replayInstance` when the facts, updated in place, may hold part of a failed event. */
class PartialFacts extends Error {}

/**
 * Replays one instance's rows (sorted by seq) from `state`. With `inPlace` the facts are copied
 * once and updated event by event; a failure while updating them throws `PartialFacts`, and the
 * caller replays the instance again with `inPlace` off, where each event works on a copy, so a
 * failure keeps exactly the figures of the events before it.
 */
function replayInstance(instanceId: string, state: ProjectionState, rows: readonly ProjectedEvent[], ctx: ApplyEventsContext, inPlace: boolean): InstanceRun {
  const run: InstanceRun = { facts: state.facts && inPlace ? cloneJson(state.facts) : state.facts, snapshot: state.snapshot, error: null, failure: undefined, deltas: [], applied: 0 };
  let def: CompiledDefinition | undefined;
  let fctx: { profile: ReturnType<typeof profileFor>; calendar: Calendar } | undefined;
  for (const row of rows) {
    if (run.facts && row.seq <= run.facts.seq) continue;
    let stepping = true;
    try {
      def ??= ctx.definition(state.definition.id, state.definition.version);
      fctx ??= { profile: profileFor(def.category), calendar: ctx.calendar };
      const stepped = replayStep(def, run.snapshot, row, ctx.engine);
      stepping = false;
      const observation = { type: row.type, seq: row.seq, at: row.at, before: run.snapshot, after: stepped.snapshot, effects: stepped.effects };
      if (!run.facts) {
        const opened = openFacts({ instanceId, definitionId: def.id, definitionVersion: def.version, category: def.category ?? 'other' }, observation, fctx);
        run.facts = opened.facts;
        for (const d of opened.deltas) run.deltas.push(d);
      } else if (inPlace) {
        advanceFactsInPlace(run.facts, observation, fctx, run.deltas);
      } else {
        const next = advanceFacts(run.facts, observation, fctx);
        run.facts = next.facts;
        for (const d of next.deltas) run.deltas.push(d);
      }
      run.snapshot = stepped.snapshot;
      run.applied += 1;
    } catch (cause) {
      if (inPlace && !stepping && run.facts) throw new PartialFacts();
      run.error = `seq ${row.seq}: ${cause instanceof Error ? cause.message : String(cause)}`;
      run.failure = { seq: row.seq, error: cause };
      break;
    }
  }
  return run;
}

/**
 * Replays each instance's new events (in seq order) from where the projector left it, turning
 * them into facts and aggregate additions. Events at or below an instance's applied seq are
 * skipped, so overlapping reads never count twice. An instance whose log no longer replays is
 * marked with the error and left out from then on; the others are unaffected. An instance none of
 * whose events is new is left out of the result: its stored facts and snapshot stay as they are.
 * Pure: `states` and `events` are not modified.
 */
export function applyEvents(states: ReadonlyMap<string, ProjectionState>, events: readonly ProjectedEvent[], ctx: ApplyEventsContext): AppliedEvents {
  const out: AppliedEvents = { facts: [], open: new Map(), closed: [], deltas: [], applied: 0, failures: [] };
  const byInstance = new Map<string, ProjectedEvent[]>();
  for (const e of events) {
    const list = byInstance.get(e.instanceId);
    if (list) list.push(e);
    else byInstance.set(e.instanceId, [e]);
  }
  for (const [instanceId, rows] of byInstance) {
    const state = states.get(instanceId);
    if (!state || state.error) continue;
    rows.sort((a, b) => a.seq - b.seq);
    let run: InstanceRun;
    try {
      run = replayInstance(instanceId, state, rows, ctx, true);
    } catch (partial) {
      if (!(partial instanceof PartialFacts)) throw partial;
      run = replayInstance(instanceId, state, rows, ctx, false);
    }
    if (run.failure) out.failures.push({ instanceId, ...run.failure });
    const { facts, snapshot, error } = run;
    if (!facts || (run.applied === 0 && error === null)) continue;
    // A failure keeps the figures of the events before it; the rest of the log is not counted.
    for (const d of run.deltas) out.deltas.push(d);
    out.applied += run.applied;
    out.facts.push({ facts, error });
    if (error !== null || facts.endedAt !== null || !snapshot) out.closed.push(instanceId);
    else out.open.set(instanceId, snapshot);
  }
  return out;
}

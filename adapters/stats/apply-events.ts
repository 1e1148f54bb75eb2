import type { Calendar } from '../../engine/calendar/types.ts';
import { advanceFacts, openFacts, profileFor, type InstanceFacts, type StatsDelta } from '../../engine/stats/index.ts';
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

/**
 * Replays each instance's new events (in seq order) from where the projector left it, turning
 * them into facts and aggregate additions. Events at or below an instance's applied seq are
 * skipped, so overlapping reads never count twice. An instance whose log no longer replays is
 * marked with the error and left out from then on; the others are unaffected. Pure.
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
    let facts = state.facts;
    let snapshot = state.snapshot;
    let error: string | null = null;
    const deltas: StatsDelta[] = [];
    let applied = 0;
    for (const row of rows.sort((a, b) => a.seq - b.seq)) {
      if (facts && row.seq <= facts.seq) continue;
      try {
        const def = ctx.definition(state.definition.id, state.definition.version);
        const fctx = { profile: profileFor(def.category), calendar: ctx.calendar };
        const stepped = replayStep(def, snapshot, row, ctx.engine);
        const observation = { type: row.type, seq: row.seq, at: row.at, before: snapshot, after: stepped.snapshot, effects: stepped.effects };
        const next = facts
          ? advanceFacts(facts, observation, fctx)
          : openFacts({ instanceId, definitionId: def.id, definitionVersion: def.version, category: def.category ?? 'other' }, observation, fctx);
        facts = next.facts;
        snapshot = stepped.snapshot;
        deltas.push(...next.deltas);
        applied += 1;
      } catch (cause) {
        error = `seq ${row.seq}: ${cause instanceof Error ? cause.message : String(cause)}`;
        out.failures.push({ instanceId, seq: row.seq, error: cause });
        break;
      }
    }
    if (!facts) continue;
    // A failure keeps the figures of the events before it; the rest of the log is not counted.
    out.deltas.push(...deltas);
    out.applied += applied;
    out.facts.push({ facts, error });
    if (error !== null || facts.endedAt !== null || !snapshot) out.closed.push(instanceId);
    else out.open.set(instanceId, snapshot);
  }
  return out;
}

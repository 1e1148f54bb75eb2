import { sql, type Kysely, type Transaction } from 'kysely';
import type { Calendar } from '../../engine/calendar/types.ts';
import type { InstanceFacts } from '../../engine/stats/index.ts';
import type { DefinitionResolver } from './definition-resolver.ts';
import type { CompiledDefinition, EnginePort, InstanceSnapshot } from '../runtime/engine-port.ts';
import type { Database } from '../storage/database.ts';
import { uuidArray } from '../storage/sql-array.ts';
import { applyEvents, type ProjectionState } from './apply-events.ts';
import { sumDeltas } from './delta-rows.ts';
import type { ProjectedEvent } from './replay-step.ts';
import { writeDeltaRows, writeFacts, writeReplayState } from './write-projections.ts';

export interface ProjectionContext {
  engine: EnginePort;
  /** Calendar working days are counted in (`cn-mainland`). */
  calendar: Calendar;
  /** Resolves the definition version each instance is pinned to. */
  definitions: DefinitionResolver;
}

/** What one projection transaction did. */
export interface BatchReport {
  /** Another node holds the checkpoint: this call did nothing. */
  busy: boolean;
  /** Audit rows the checkpoint moved past. */
  rows: number;
  /** Events replayed into the projections (may include rows past the checkpoint, read early). */
  applied: number;
  instances: number;
  /** Instances whose log no longer replays (left out from then on; see `stats_instances.error`). */
  failures: Array<{ instanceId: string; seq: number; error: unknown }>;
}

const CHECKPOINT = 'audit';

/**
 * One batch, in one transaction: locks the checkpoint row (with `lock: 'skip'`, the default, a
 * node that finds it locked returns `busy` at once; with `'wait'` it waits for that batch to
 * commit and then reads the moved checkpoint), reads up to `limit` audit rows past the
 * checkpoint whose transactions are older than every transaction still running, replays their
 * instances' new events, adds the results to the projections and moves the checkpoint. Facts,
 * aggregates and checkpoint commit together, so a batch counts once or not at all.
 */
export async function projectBatch(db: Kysely<Database>, ctx: ProjectionContext, limit: number, lock: 'skip' | 'wait' = 'skip'): Promise<BatchReport> {
  return db.transaction().execute(async (trx) => {
    const report: BatchReport = { busy: false, rows: 0, applied: 0, instances: 0, failures: [] };
    const checkpoint = await sql<{ tx_id: string; position: string }>`
      select cast(tx_id as text) as tx_id, cast(position as text) as position
      from stats_checkpoint where name = ${CHECKPOINT} for update ${lock === 'skip' ? sql`skip locked` : sql``}`.execute(trx);
    const cp = checkpoint.rows[0];
    if (!cp) return { ...report, busy: true };
    // Every transaction with an id below the snapshot's xmin has ended, so no row can still
    // appear below the checkpoint once it has moved past it.
    // Aliases differ from the column names: ORDER BY would otherwise sort by the text casts.
    const { rows } = await sql<{ instance_id: string; seq: number; tx: string; pos: string }>`
      select instance_id, seq, cast(tx_id as text) as tx, cast(position as text) as pos
      from audit_events
      where (tx_id, position) > (cast(${cp.tx_id} as xid8), cast(${cp.position} as bigint))
        and tx_id < pg_snapshot_xmin(pg_current_snapshot())
      order by tx_id, position
      limit ${limit}`.execute(trx);
    if (rows.length === 0) return report;
    report.rows = rows.length;
    const ids = [...new Set(rows.map((r) => r.instance_id))];
    report.instances = ids.length;
    const states = await loadStates(trx, ids);
    // A definition that cannot be resolved fails only its own instances, not the batch.
    const definitions = new Map<string, CompiledDefinition | { failed: unknown }>();
    for (const state of states.values()) {
      const key = `${state.definition.id}@${state.definition.version}`;
      if (definitions.has(key)) continue;
      definitions.set(key, await ctx.definitions.resolve(trx, state.definition.id, state.definition.version).catch((failed: unknown) => ({ failed })));
    }
    const events = await loadEvents(trx, ids, states);
    const applied = applyEvents(states, events, {
      engine: ctx.engine,
      calendar: ctx.calendar,
      definition(id, version) {
        const found = definitions.get(`${id}@${version}`);
        if (!found || 'failed' in found) throw found?.failed ?? new Error(`definition ${id}@${version} not loaded`);
        return found;
      },
    });
    await writeFacts(trx, applied.facts);
    await writeReplayState(trx, applied.open, applied.closed);
    await writeDeltaRows(trx, sumDeltas(applied.deltas));
    const last = rows[rows.length - 1] as (typeof rows)[number];
    await sql`
      update stats_checkpoint set tx_id = cast(${last.tx} as xid8), position = cast(${last.pos} as bigint),
        events = events + ${applied.applied}, batches = batches + 1, updated_at = now()
      where name = ${CHECKPOINT}`.execute(trx);
    report.applied = applied.applied;
    report.failures = applied.failures;
    return report;
  });
}

interface StoredFactsRow {
  instance_id: string;
  definition_id: string;
  definition_version: number;
  category: string;
  department: string;
  region: string;
  seq: number;
  received_at: Date;
  ended_at: Date | null;
  outcome: string | null;
  outcome_class: string | null;
  state_since: Date;
  paused_wd: number;
  duration_wd: number | null;
  promised_due: Date | null;
  promised_running: boolean;
  promised_met: boolean | null;
  statutory_due: Date | null;
  statutory_running: boolean;
  statutory_met: boolean | null;
  urgent: boolean;
  cards: Record<string, number>;
  milestones: Record<string, number>;
  leaves: Record<string, number>;
  error: string | null;
  snapshot: InstanceSnapshot | null;
}

const ms = (d: Date | null) => (d === null ? null : d.getTime());

/** Facts and replay snapshots of the given instances; new instances get their definition from `instances`. */
async function loadStates(trx: Transaction<Database>, ids: readonly string[]): Promise<Map<string, ProjectionState>> {
  const states = new Map<string, ProjectionState>();
  const { rows } = await sql<StoredFactsRow>`
    select f.instance_id, f.definition_id, f.definition_version, f.category, f.department, f.region, f.seq, f.received_at,
      f.ended_at, f.outcome, f.outcome_class, f.state_since, f.paused_wd, f.duration_wd, f.promised_due, f.promised_running,
      f.promised_met, f.statutory_due, f.statutory_running, f.statutory_met, f.urgent, f.cards, f.milestones, f.leaves,
      f.error, r.snapshot
    from stats_instances f left join stats_replay_state r on r.instance_id = f.instance_id
    where f.instance_id = any(${uuidArray(ids)})`.execute(trx);
  for (const r of rows) {
    const facts: InstanceFacts = {
      instanceId: r.instance_id,
      definitionId: r.definition_id,
      definitionVersion: r.definition_version,
      category: r.category,
      department: r.department,
      region: r.region,
      seq: r.seq,
      receivedAt: r.received_at.getTime(),
      milestones: r.milestones,
      endedAt: ms(r.ended_at),
      outcome: r.outcome,
      outcomeClass: r.outcome_class as InstanceFacts['outcomeClass'],
      leaves: r.leaves,
      stateSince: r.state_since.getTime(),
      pausedWd: r.paused_wd,
      durationWd: r.duration_wd,
      promised: { due: ms(r.promised_due), running: r.promised_running, met: r.promised_met },
      statutory: { due: ms(r.statutory_due), running: r.statutory_running, met: r.statutory_met },
      urgent: r.urgent,
      cards: r.cards,
    };
    states.set(r.instance_id, {
      facts,
      ...(r.snapshot ? { snapshot: r.snapshot } : {}),
      error: r.error,
      definition: { id: r.definition_id, version: r.definition_version },
    });
  }
  const fresh = ids.filter((id) => !states.has(id));
  if (fresh.length > 0) {
    const found = await trx
      .selectFrom('instances')
      .select(['id', 'definition_id', 'definition_version'])
      .where('id', '=', (eb) => eb.fn.any(uuidArray(fresh)))
      .execute();
    for (const r of found) states.set(r.id, { definition: { id: r.definition_id, version: r.definition_version } });
  }
  return states;
}

/** Every visible audit row of the given instances after the seq the projector has applied. */
async function loadEvents(trx: Transaction<Database>, ids: readonly string[], states: ReadonlyMap<string, ProjectionState>): Promise<ProjectedEvent[]> {
  const seqs = ids.map((id) => states.get(id)?.facts?.seq ?? 0);
  const { rows } = await sql<{ instance_id: string; seq: number; type: string; actor: Record<string, unknown>; payload: Record<string, unknown>; occurred_at: Date }>`
    select a.instance_id, a.seq, a.type, a.actor, a.payload, a.occurred_at
    from unnest(${uuidArray(ids)}, cast(${`{${seqs.join(',')}}`} as integer[])) as k(instance_id, seq)
    join audit_events a on a.instance_id = k.instance_id and a.seq > k.seq
    order by a.instance_id, a.seq`.execute(trx);
  return rows.map((r) => ({ instanceId: r.instance_id, seq: r.seq, type: r.type, actor: r.actor, payload: r.payload, at: r.occurred_at.getTime() }));
}

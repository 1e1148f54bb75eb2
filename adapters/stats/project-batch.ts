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
import { writeBatch } from './write-projections.ts';

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
  /**
   * Committed rows lie past those taken, held back by the watermark: a transaction older than
   * they are was still running. The next batch can take them as soon as it ends.
   */
  heldBack: boolean;
  /** Per instance of the batch, the highest seq now counted in the projections (committed with the batch). */
  counted: Map<string, number>;
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
    const report: BatchReport = { busy: false, rows: 0, applied: 0, instances: 0, failures: [], heldBack: false, counted: new Map() };
    // One statement locks the checkpoint row and reads past it; no row back means another node
    // holds the lock (`skip locked`), one row with no audit columns means nothing is past it.
    // Every transaction with an id below the snapshot's xmin has ended, so no row can still
    // appear below the checkpoint once it has moved past it. Rows are read in (tx_id, position)
    // order, so those below the watermark come first; one more row tells whether any visible
    // row is held back (then the caller retries soon instead of waiting for the next poll).
    // With `wait`, the lock is taken before the audit rows are read (a nested loop, the
    // checkpoint first) and the row returned is the checkpoint as the batch that held it left it;
    // the statement's snapshot sees every row below its own xmin, so `ready` rows are complete.
    // JIT is turned off for the rest of the transaction: the event read's estimate is far above
    // the few thousand rows it reads, and compiling it took 200 ms of a 30 ms query.
    // Aliases differ from the column names: ORDER BY would otherwise sort by the text casts.
    const { rows: read } = await sql<{ instance_id: string | null; seq: number; tx: string; pos: string; ready: boolean }>`
      select a.instance_id, a.seq, a.tx, a.pos, a.ready
      from (select tx_id, position from stats_checkpoint where name = ${CHECKPOINT}
        for update ${lock === 'skip' ? sql`skip locked` : sql``}) as cp
      cross join (select set_config('jit', 'off', true)) as no_jit
      left join lateral (
        select instance_id, seq, cast(tx_id as text) as tx, cast(position as text) as pos,
          tx_id < pg_snapshot_xmin(pg_current_snapshot()) as ready
        from audit_events
        where (tx_id, position) > (cp.tx_id, cp.position)
        order by tx_id, position
        limit ${limit + 1}) as a on true`.execute(trx);
    if (read.length === 0) return { ...report, busy: true };
    const visible = read[0]?.instance_id === null ? [] : (read as Array<{ instance_id: string; seq: number; tx: string; pos: string; ready: boolean }>);
    const held = visible.findIndex((r) => !r.ready);
    const rows = visible.slice(0, Math.min(limit, held === -1 ? visible.length : held));
    report.heldBack = held !== -1;
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
    const events = await loadEvents(trx, states);
    const applied = applyEvents(states, events, {
      engine: ctx.engine,
      calendar: ctx.calendar,
      definition(id, version) {
        const found = definitions.get(`${id}@${version}`);
        if (!found || 'failed' in found) throw found?.failed ?? new Error(`definition ${id}@${version} not loaded`);
        return found;
      },
    });
    const last = rows[rows.length - 1] as (typeof rows)[number];
    await writeBatch(
      trx,
      { facts: applied.facts, open: applied.open, closed: applied.closed, deltas: sumDeltas(applied.deltas) },
      sql`
        update stats_checkpoint set tx_id = cast(${last.tx} as xid8), position = cast(${last.pos} as bigint),
          events = events + ${applied.applied}, batches = batches + 1, updated_at = now()
        where name = ${CHECKPOINT}`,
    );
    report.applied = applied.applied;
    report.failures = applied.failures;
    for (const { facts } of applied.facts) report.counted.set(facts.instanceId, facts.seq);
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
  received_at: number;
  ended_at: number | null;
  outcome: string | null;
  outcome_class: string | null;
  state_since: number;
  paused_wd: number;
  duration_wd: number | null;
  promised_due: number | null;
  promised_running: boolean;
  promised_met: boolean | null;
  statutory_due: number | null;
  statutory_running: boolean;
  statutory_met: boolean | null;
  urgent: boolean;
  cards: Record<string, number>;
  milestones: Record<string, number>;
  leaves: Record<string, number>;
  error: string | null;
  snapshot: InstanceSnapshot | null;
}

/** Epoch milliseconds of a timestamp column, as the number `Date#getTime()` gives for it. */
const epochMs = (column: string) => sql.raw(`cast(floor(extract(epoch from ${column}) * 1000) as float8)`);

/** Facts and replay snapshots of the given instances; new instances get their definition from `instances`. */
async function loadStates(trx: Transaction<Database>, ids: readonly string[]): Promise<Map<string, ProjectionState>> {
  const states = new Map<string, ProjectionState>();
  // Timestamps come as epoch ms numbers: parsing them into `Date`s cost more than the rest of the row.
  const { rows } = await sql<StoredFactsRow>`
    select f.instance_id, f.definition_id, f.definition_version, f.category, f.department, f.region, f.seq,
      ${epochMs('f.received_at')} as received_at, ${epochMs('f.ended_at')} as ended_at, f.outcome, f.outcome_class,
      ${epochMs('f.state_since')} as state_since, f.paused_wd, f.duration_wd, ${epochMs('f.promised_due')} as promised_due,
      f.promised_running, f.promised_met, ${epochMs('f.statutory_due')} as statutory_due, f.statutory_running, f.statutory_met,
      f.urgent, f.cards, f.milestones, f.leaves, f.error, r.snapshot
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
      receivedAt: r.received_at,
      milestones: r.milestones,
      endedAt: r.ended_at,
      outcome: r.outcome,
      outcomeClass: r.outcome_class as InstanceFacts['outcomeClass'],
      leaves: r.leaves,
      stateSince: r.state_since,
      pausedWd: r.paused_wd,
      durationWd: r.duration_wd,
      promised: { due: r.promised_due, running: r.promised_running, met: r.promised_met },
      statutory: { due: r.statutory_due, running: r.statutory_running, met: r.statutory_met },
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

/**
 * Every visible audit row of the given instances after the seq the projector has applied, in seq
 * order; none of an instance whose replay failed (they would be skipped).
 *
 * One primary-key probe per instance and monthly partition, whatever the size of the log: the
 * `lateral … offset 0` keeps the planner from joining instead by a merge join over every
 * partition's primary key, which it chose once the log had a dozen partitions (240 demo days:
 * 513,684 index entries read for 2,154 rows, 2.7 s of a batch's 2 s–3 s).
 */
async function loadEvents(trx: Transaction<Database>, states: ReadonlyMap<string, ProjectionState>): Promise<ProjectedEvent[]> {
  const live = [...states].filter(([, state]) => !state.error);
  if (live.length === 0) return [];
  const ids = live.map(([id]) => id);
  const seqs = live.map(([, state]) => state.facts?.seq ?? 0);
  const { rows } = await sql<{ instance_id: string; seq: number; type: string; actor: Record<string, unknown>; payload: Record<string, unknown>; at: number }>`
    select a.instance_id, a.seq, a.type, a.actor, a.payload, ${epochMs('a.occurred_at')} as at
    from unnest(${uuidArray(ids)}, cast(${`{${seqs.join(',')}}`} as integer[])) as k(instance_id, seq)
      cross join lateral (select * from audit_events e where e.instance_id = k.instance_id and e.seq > k.seq offset 0) as a
    order by a.instance_id, a.seq`.execute(trx);
  return rows.map((r) => ({ instanceId: r.instance_id, seq: r.seq, type: r.type, actor: r.actor, payload: r.payload, at: r.at }));
}


import { sql, type RawBuilder } from 'kysely';
import type { InstanceFacts } from '../../engine/stats/index.ts';
import type { InstanceSnapshot } from '../runtime/engine-port.ts';
import type { Executor } from '../storage/database.ts';
import { uuidArray } from '../storage/sql-array.ts';
import type { DeltaRows } from './delta-rows.ts';

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/** Facts of one instance, with the error that stopped its projection, if any. */
export interface FactsRow {
  facts: InstanceFacts;
  error: string | null;
}

/** Inserts or replaces the facts rows of a batch. */
function factsStatement(rows: readonly FactsRow[]): RawBuilder<unknown> | undefined {
  if (rows.length === 0) return undefined;
  const records = rows.map(({ facts: f, error }) => ({
    instance_id: f.instanceId,
    definition_id: f.definitionId,
    definition_version: f.definitionVersion,
    category: f.category,
    department: f.department,
    region: f.region,
    seq: f.seq,
    received_at: iso(f.receivedAt),
    accepted_at: iso(f.milestones['accepted']),
    decided_at: iso(f.milestones['decided']),
    ended_at: iso(f.endedAt),
    outcome: f.outcome,
    outcome_class: f.outcomeClass,
    state: Object.keys(f.leaves).sort().join(','),
    state_since: iso(f.stateSince),
    paused_wd: f.pausedWd,
    duration_wd: f.durationWd,
    promised_due: iso(f.promised.due),
    promised_running: f.promised.running,
    promised_met: f.promised.met,
    statutory_due: iso(f.statutory.due),
    statutory_running: f.statutory.running,
    statutory_met: f.statutory.met,
    urgent: f.urgent,
    cards: f.cards,
    milestones: f.milestones,
    leaves: f.leaves,
    error,
  }));
  return sql`
    insert into stats_instances as t (instance_id, definition_id, definition_version, category, department, region, seq,
      received_at, accepted_at, decided_at, ended_at, outcome, outcome_class, state, state_since, paused_wd, duration_wd,
      promised_due, promised_running, promised_met, statutory_due, statutory_running, statutory_met, urgent,
      cards, milestones, leaves, error)
    select instance_id, definition_id, definition_version, category, department, region, seq,
      received_at, accepted_at, decided_at, ended_at, outcome, outcome_class, state, state_since, paused_wd, duration_wd,
      promised_due, promised_running, promised_met, statutory_due, statutory_running, statutory_met, urgent,
      cards, milestones, leaves, error
    from jsonb_to_recordset(cast(${JSON.stringify(records)} as jsonb)) as x(
      instance_id uuid, definition_id text, definition_version integer, category text, department text, region text, seq integer,
      received_at timestamptz, accepted_at timestamptz, decided_at timestamptz, ended_at timestamptz, outcome text,
      outcome_class text, state text, state_since timestamptz, paused_wd integer, duration_wd integer,
      promised_due timestamptz, promised_running boolean, promised_met boolean, statutory_due timestamptz,
      statutory_running boolean, statutory_met boolean, urgent boolean, cards jsonb, milestones jsonb, leaves jsonb, error text)
    on conflict (instance_id) do update set
      seq = excluded.seq, accepted_at = excluded.accepted_at, decided_at = excluded.decided_at, ended_at = excluded.ended_at,
      outcome = excluded.outcome, outcome_class = excluded.outcome_class, state = excluded.state, state_since = excluded.state_since,
      paused_wd = excluded.paused_wd, duration_wd = excluded.duration_wd, promised_due = excluded.promised_due,
      promised_running = excluded.promised_running, promised_met = excluded.promised_met, statutory_due = excluded.statutory_due,
      statutory_running = excluded.statutory_running, statutory_met = excluded.statutory_met, urgent = excluded.urgent,
      cards = excluded.cards, milestones = excluded.milestones, leaves = excluded.leaves, error = excluded.error`;
}

/** Keeps the replay snapshots of instances still open and drops those of ended (or failed) ones. */
function replayStateStatements(open: ReadonlyMap<string, InstanceSnapshot>, closed: readonly string[]): Array<RawBuilder<unknown>> {
  const out: Array<RawBuilder<unknown>> = [];
  if (closed.length > 0) out.push(sql`delete from stats_replay_state where instance_id = any(${uuidArray(closed)})`);
  if (open.size === 0) return out;
  const records = [...open].map(([instance_id, snapshot]) => ({ instance_id, snapshot }));
  out.push(sql`
    insert into stats_replay_state as t (instance_id, snapshot)
    select instance_id, snapshot from jsonb_to_recordset(cast(${JSON.stringify(records)} as jsonb)) as x(instance_id uuid, snapshot jsonb)
    on conflict (instance_id) do update set snapshot = excluded.snapshot`);
  return out;
}

/** The sums of a batch added to the daily and monthly aggregate tables and the department roll-ups: one statement per table. */
function deltaStatements(rows: DeltaRows): Array<RawBuilder<unknown>> {
  const out: Array<RawBuilder<unknown> | undefined> = [
    counters('stats_daily', rows.daily),
    counters('stats_monthly', rows.monthly),
    durations('stats_duration_daily', rows.duration),
    durations('stats_duration_monthly', rows.durationMonthly),
    alerts('stats_alert_daily', rows.alert),
    alerts('stats_alert_monthly', rows.alertMonthly),
    departmentRows('stats_department_daily', rows.departmentDaily),
    departmentRows('stats_department_monthly', rows.departmentMonthly),
  ];
  if (rows.dwell.length > 0) {
    out.push(sql`
      insert into stats_dwell_daily as t (definition_id, state, day, wd, n, ms)
      select * from jsonb_to_recordset(cast(${JSON.stringify(rows.dwell)} as jsonb))
        as x(definition_id text, state text, day date, wd integer, n integer, ms bigint)
      on conflict (definition_id, state, day, wd) do update set n = t.n + excluded.n, ms = t.ms + excluded.ms`);
  }
  if (rows.interval.length > 0) {
    out.push(sql`
      insert into stats_interval_daily as t (department, day, definition_id, region, interval, value, n)
      select * from jsonb_to_recordset(cast(${JSON.stringify(rows.interval)} as jsonb))
        as x(department text, day date, definition_id text, region text, interval text, value integer, n integer)
      on conflict (department, day, definition_id, region, interval, value) do update set n = t.n + excluded.n`);
  }
  return out.filter((s): s is RawBuilder<unknown> => s !== undefined);
}

/** Everything one batch writes. */
export interface BatchWrites {
  facts: readonly FactsRow[];
  open: ReadonlyMap<string, InstanceSnapshot>;
  closed: readonly string[];
  deltas: DeltaRows;
}

/**
 * Writes a batch's facts, replay snapshots and aggregate additions, then runs `last` (the
 * checkpoint update), all in one statement: each write is a data-modifying `WITH` query, which
 * PostgreSQL runs to completion whether or not `last` reads it. The writes touch different rows
 * (an instance's snapshot is either kept or dropped), so running them together changes nothing
 * but the number of round trips.
 */
export async function writeBatch(executor: Executor, writes: BatchWrites, last: RawBuilder<unknown>): Promise<void> {
  const facts = factsStatement(writes.facts);
  const parts = [...(facts ? [facts] : []), ...replayStateStatements(writes.open, writes.closed), ...deltaStatements(writes.deltas)];
  if (parts.length === 0) {
    await last.execute(executor);
    return;
  }
  const ctes = sql.join(
    parts.map((part, i) => sql`${sql.raw(`w${i}`)} as (${part})`),
    sql`, `,
  );
  await sql`with ${ctes} ${last}`.execute(executor);
}

function counters(table: 'stats_daily' | 'stats_monthly', rows: DeltaRows['daily']): RawBuilder<unknown> | undefined {
  if (rows.length === 0) return undefined;
  return sql`
    insert into ${sql.table(table)} as t (department, day, definition_id, region, received, accepted, not_accepted, denied, withdrawn,
      completed, promised_met, statutory_met, paused_cases, paused_wd)
    select * from jsonb_to_recordset(cast(${JSON.stringify(rows)} as jsonb)) as x(department text, day date,
      definition_id text, region text, received integer, accepted integer, not_accepted integer, denied integer,
      withdrawn integer, completed integer, promised_met integer, statutory_met integer, paused_cases integer, paused_wd bigint)
    on conflict (department, day, definition_id, region) do update set
      received = t.received + excluded.received, accepted = t.accepted + excluded.accepted,
      not_accepted = t.not_accepted + excluded.not_accepted, denied = t.denied + excluded.denied,
      withdrawn = t.withdrawn + excluded.withdrawn, completed = t.completed + excluded.completed,
      promised_met = t.promised_met + excluded.promised_met, statutory_met = t.statutory_met + excluded.statutory_met,
      paused_cases = t.paused_cases + excluded.paused_cases, paused_wd = t.paused_wd + excluded.paused_wd`;
}

function durations(table: 'stats_duration_daily' | 'stats_duration_monthly', rows: DeltaRows['duration']): RawBuilder<unknown> | undefined {
  if (rows.length === 0) return undefined;
  return sql`
    insert into ${sql.table(table)} as t (department, day, definition_id, region, wd, n)
    select * from jsonb_to_recordset(cast(${JSON.stringify(rows)} as jsonb))
      as x(department text, day date, definition_id text, region text, wd integer, n integer)
    on conflict (department, day, definition_id, region, wd) do update set n = t.n + excluded.n`;
}

function alerts(table: 'stats_alert_daily' | 'stats_alert_monthly', rows: DeltaRows['alert']): RawBuilder<unknown> | undefined {
  if (rows.length === 0) return undefined;
  return sql`
    insert into ${sql.table(table)} as t (department, day, definition_id, region, level, n)
    select * from jsonb_to_recordset(cast(${JSON.stringify(rows)} as jsonb))
      as x(department text, day date, definition_id text, region text, level text, n integer)
    on conflict (department, day, definition_id, region, level) do update set n = t.n + excluded.n`;
}

function departmentRows(table: 'stats_department_daily' | 'stats_department_monthly', rows: DeltaRows['departmentDaily']): RawBuilder<unknown> | undefined {
  if (rows.length === 0) return undefined;
  return sql`
    insert into ${sql.table(table)} as t (day, department, region, received, accepted, not_accepted, denied, withdrawn,
      completed, promised_met, statutory_met, paused_cases, paused_wd, durations, alerts)
    select day, department, region, received, accepted, not_accepted, denied, withdrawn, completed, promised_met,
      statutory_met, paused_cases, paused_wd, durations, alerts
    from jsonb_to_recordset(cast(${JSON.stringify(rows)} as jsonb)) as x(department text, day date, region text,
      received integer, accepted integer, not_accepted integer, denied integer, withdrawn integer, completed integer,
      promised_met integer, statutory_met integer, paused_cases integer, paused_wd bigint, durations jsonb, alerts jsonb)
    on conflict (day, department, region) do update set
      received = t.received + excluded.received, accepted = t.accepted + excluded.accepted,
      not_accepted = t.not_accepted + excluded.not_accepted, denied = t.denied + excluded.denied,
      withdrawn = t.withdrawn + excluded.withdrawn, completed = t.completed + excluded.completed,
      promised_met = t.promised_met + excluded.promised_met, statutory_met = t.statutory_met + excluded.statutory_met,
      paused_cases = t.paused_cases + excluded.paused_cases, paused_wd = t.paused_wd + excluded.paused_wd,
      durations = stats_add_counts(t.durations, excluded.durations), alerts = stats_add_counts(t.alerts, excluded.alerts)`;
}

import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../storage/database.ts';
import { PREPARED } from '../storage/prepared-statements.ts';
import type { RoundRecords } from './round-records.ts';

/** What the round's single write statement reports back. */
export interface RoundWritten {
  /** Instances whose version-checked update matched (the others lost a race). */
  updated: string[];
}

const json = (rows: readonly unknown[]) => sql`cast(${JSON.stringify(rows)} as jsonb)`;
/** JSON texts as one `json` array, checked for being JSON but not parsed into a tree (`jsonb`). */
const jsonArray = (texts: readonly string[]) => sql`cast(${`[${texts.join(',')}]`} as json)`;

/**
 * Writes a whole round in one statement of data-modifying CTEs: new instances, version-checked
 * snapshot updates, idempotency records, chained audit rows, timer arms and cancels, worklist
 * tasks, alerts and outbox rows. Every side row is written only for an instance whose insert or
 * update went through, so an instance that lost a race gets nothing written, while the others
 * of the round are written: the statement is atomic on its own, with or without a transaction
 * around it. An idempotency key someone else recorded first fails the whole statement with a
 * unique violation (23505), so no command is ever applied without its key. One round trip however many commands and tables; tables the round does
 * not touch are left out of the statement, which keeps its planning cheap.
 */
export async function writeRound(executor: Executor, r: RoundRecords): Promise<RoundWritten> {
  const ctes: RawBuilder<unknown>[] = [];
  const add = (rows: readonly unknown[], cte: RawBuilder<unknown>) => {
    if (rows.length > 0) ctes.push(cte);
  };
  add(r.starts, sql`ins as (
      insert into instances (id, definition_id, definition_version, region, department, business_key, receipt_no,
                             status, outcome, snapshot, version, audit_head, created_at, updated_at)
      select id, definition_id, definition_version, region, department, business_key, receipt_no,
             status, outcome, snapshot, 1, audit_head, created_at, created_at
      from rows from (
        jsonb_to_recordset(${json(r.starts)}) as (
          id uuid, definition_id text, definition_version integer, region text, department text, business_key text,
          receipt_no text, status text, outcome text, audit_head text, created_at timestamptz),
        json_array_elements(${jsonArray(r.startSnapshots)})) as x(
          id, definition_id, definition_version, region, department, business_key, receipt_no, status, outcome,
          audit_head, created_at, snapshot)
      returning id)`);
  add(r.updates, sql`upd as (
      update instances as i
      set snapshot = x.snapshot, version = x.version, status = x.status, outcome = x.outcome,
          audit_head = x.audit_head, updated_at = x.updated_at
      from rows from (
        jsonb_to_recordset(${json(r.updates)}) as (
          id uuid, expected integer, version integer, status text, outcome text, audit_head text, updated_at timestamptz),
        json_array_elements(${jsonArray(r.updateSnapshots)})) as x(
          id, expected, version, status, outcome, audit_head, updated_at, snapshot)
      where i.id = x.id and i.version = x.expected
      returning i.id)`);
  ctes.push(
    r.starts.length > 0 && r.updates.length > 0
      ? sql`ok as (select id from ins union all select id from upd)`
      : r.starts.length > 0
        ? sql`ok as (select id from ins)`
        : sql`ok as (select id from upd)`,
  );
  add(r.keys, sql`idem as (
      insert into idempotency_keys (key, instance_id, command, region, result)
      select key, instance_id, command, region, result
      from jsonb_to_recordset(${json(r.keys)}) as x(key text, instance_id uuid, command text, region text, result jsonb)
      where x.instance_id in (select id from ok))`);
  add(r.audit, sql`aud as (
      insert into audit_events (instance_id, seq, region, type, actor, payload, occurred_at, prev_hash, hash, hash_alg)
      select instance_id, seq, region, type, actor, payload, occurred_at, prev_hash, hash, hash_alg
      from jsonb_to_recordset(cast(${`[${r.audit.join(',')}]`} as jsonb)) as x(
        instance_id uuid, seq integer, region text, type text, actor jsonb, payload jsonb,
        occurred_at timestamptz, prev_hash text, hash text, hash_alg text)
      where x.instance_id in (select id from ok))`);
  add(r.cancels, sql`tdel as (
      delete from timers as t
      using jsonb_to_recordset(${json(r.cancels)}) as x(instance_id uuid, timer_id text)
      where t.instance_id = x.instance_id and t.timer_id = x.timer_id and x.instance_id in (select id from ok))`);
  add(r.arms, sql`tins as (
      insert into timers (instance_id, timer_id, clock, due_at, fire_order, region, armed_at)
      select instance_id, timer_id, clock, due_at, fire_order, region, armed_at
      from jsonb_to_recordset(${json(r.arms)}) as x(
        instance_id uuid, timer_id text, clock text, due_at timestamptz, fire_order smallint, region text, armed_at timestamptz)
      where x.instance_id in (select id from ok)
      on conflict (instance_id, timer_id) do update
        set clock = excluded.clock, due_at = excluded.due_at, fire_order = excluded.fire_order, region = excluded.region,
            armed_at = excluded.armed_at, attempts = 0, retry_at = null, last_error = null)`);
  add(r.openTasks, sql`kopen as (
      insert into tasks (instance_id, task_id, state, title, role, department, region, mode, assignees, status,
                         claimed_by, delegated_to, opened_at, limit_due, detail, updated_at)
      select instance_id, task_id, state, title, role, department, region, mode, assignees, 'open',
             claimed_by, delegated_to, opened_at, limit_due, detail, updated_at
      from jsonb_to_recordset(${json(r.openTasks)}) as x(
        instance_id uuid, task_id text, state text, title jsonb, role text, department text, region text, mode text,
        assignees jsonb, claimed_by text, delegated_to text, opened_at timestamptz, limit_due timestamptz,
        detail jsonb, updated_at timestamptz)
      where x.instance_id in (select id from ok)
      on conflict (instance_id, task_id) do update
        set state = excluded.state, title = excluded.title, role = excluded.role, department = excluded.department,
            mode = excluded.mode, assignees = excluded.assignees, status = 'open', claimed_by = excluded.claimed_by,
            delegated_to = excluded.delegated_to, opened_at = excluded.opened_at, limit_due = excluded.limit_due,
            detail = excluded.detail, updated_at = excluded.updated_at, closed_at = null, close_reason = null)`);
  add(r.closeTasks, sql`kclose as (
      update tasks as t set status = 'closed', closed_at = x.at, close_reason = x.reason, updated_at = x.at
      from jsonb_to_recordset(${json(r.closeTasks)}) as x(instance_id uuid, task_id text, reason text, at timestamptz)
      where t.instance_id = x.instance_id and t.task_id = x.task_id and x.instance_id in (select id from ok))`);
  add(r.alerts, sql`al as (
      insert into alerts (id, instance_id, seq, region, department, level, clock, rung, due_at, escalate_to, message, raised_at)
      select id, instance_id, seq, region, department, level, clock, rung, due_at, escalate_to, message, raised_at
      from jsonb_to_recordset(${json(r.alerts)}) as x(
        id uuid, instance_id uuid, seq integer, region text, department text, level text, clock text, rung integer,
        due_at timestamptz, escalate_to text, message jsonb, raised_at timestamptz)
      where x.instance_id in (select id from ok))`);
  add(r.outbox, sql`ob as (
      insert into outbox (idempotency_key, instance_id, region, topic, payload)
      select idempotency_key, instance_id, region, topic, payload
      from jsonb_to_recordset(${json(r.outbox)}) as x(
        idempotency_key text, instance_id uuid, region text, topic text, payload jsonb)
      where x.instance_id in (select id from ok))`);
  const updated = r.updates.length > 0 ? sql`coalesce((select jsonb_agg(id) from upd), '[]')` : sql`cast('[]' as jsonb)`;
  const { rows } = await sql<{ updated: string[] }>`${PREPARED}with ${sql.join(ctes, sql`, `)}
    select ${updated} as updated`.execute(executor);
  return { updated: rows[0]?.updated ?? [] };
}

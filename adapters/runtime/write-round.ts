import { CompiledQuery } from 'kysely';
import { rowsFrom } from '../storage/column-rows.ts';
import type { Executor } from '../storage/database.ts';
import { PREPARED_MARK } from '../storage/prepared-statements.ts';
import { ROUND_COLUMNS, type RoundRecords } from './round-records.ts';

/** What the round's single write statement reports back. */
export interface RoundWritten {
  /** Instances whose version-checked update matched (the others lost a race). */
  updated: string[];
}

/**
 * Writes a whole round in one statement of data-modifying CTEs: new instances, version-checked
 * snapshot updates, idempotency records, chained audit rows, timer arms and cancels, worklist
 * tasks, alerts and outbox rows. Every side row is written only for an instance whose insert or
 * update went through, so an instance that lost a race gets nothing written, while the others
 * of the round are written: the statement is atomic on its own, with or without a transaction
 * around it. An idempotency key someone else recorded first fails the whole statement with a
 * unique violation (23505), so no command is ever applied without its key. One round trip
 * however many commands and tables; tables the round does not touch are left out of the
 * statement, which keeps its planning cheap.
 */
export async function writeRound(executor: Executor, r: RoundRecords): Promise<RoundWritten> {
  const { rows } = await executor.executeQuery(roundStatement(r));
  return { updated: rows[0]?.updated ?? [] };
}

type Table = keyof RoundRecords;

/**
 * Each table's data-modifying CTE, given the `rows from` that reads its rows as `x`. Instances
 * come first: the side tables write only for the instances in `ok`, those inserted or updated.
 */
const WRITES: ReadonlyArray<readonly [Table, (x: string) => string]> = [
  [
    'starts',
    (x) => `ins as (
      insert into instances (id, definition_id, definition_version, region, department, business_key, receipt_no,
                             status, outcome, snapshot, version, audit_head, created_at, updated_at)
      select id, definition_id, definition_version, region, department, business_key, receipt_no,
             status, outcome, snapshot, 1, audit_head, created_at, created_at
      from ${x}
      returning id)`,
  ],
  [
    'updates',
    (x) => `upd as (
      update instances as i
      set snapshot = x.snapshot, version = x.version, status = x.status, outcome = x.outcome,
          audit_head = x.audit_head, updated_at = x.updated_at
      from ${x}
      where i.id = x.id and i.version = x.expected
      returning i.id)`,
  ],
  [
    'keys',
    (x) => `idem as (
      insert into idempotency_keys (key, instance_id, command, region, result)
      select key, instance_id, command, region, result
      from ${x}
      where x.instance_id in (select id from ok))`,
  ],
  [
    'audit',
    (x) => `aud as (
      insert into audit_events (instance_id, seq, region, type, actor, payload, occurred_at, prev_hash, hash, hash_alg)
      select instance_id, seq, region, type, actor, payload, occurred_at, prev_hash, hash, hash_alg
      from ${x}
      where x.instance_id in (select id from ok))`,
  ],
  [
    'cancels',
    (x) => `tdel as (
      delete from timers as t
      using ${x}
      where t.instance_id = x.instance_id and t.timer_id = x.timer_id and x.instance_id in (select id from ok))`,
  ],
  [
    'arms',
    (x) => `tins as (
      insert into timers (instance_id, timer_id, clock, due_at, fire_order, region, armed_at)
      select instance_id, timer_id, clock, due_at, fire_order, region, armed_at
      from ${x}
      where x.instance_id in (select id from ok)
      on conflict (instance_id, timer_id) do update
        set clock = excluded.clock, due_at = excluded.due_at, fire_order = excluded.fire_order, region = excluded.region,
            armed_at = excluded.armed_at, attempts = 0, retry_at = null, last_error = null)`,
  ],
  [
    'openTasks',
    (x) => `kopen as (
      insert into tasks (instance_id, task_id, state, title, role, department, region, mode, assignees, status,
                         claimed_by, delegated_to, opened_at, limit_due, detail, updated_at)
      select instance_id, task_id, state, title, role, department, region, mode, assignees, 'open',
             claimed_by, delegated_to, opened_at, limit_due, detail, updated_at
      from ${x}
      where x.instance_id in (select id from ok)
      on conflict (instance_id, task_id) do update
        set state = excluded.state, title = excluded.title, role = excluded.role, department = excluded.department,
            mode = excluded.mode, assignees = excluded.assignees, status = 'open', claimed_by = excluded.claimed_by,
            delegated_to = excluded.delegated_to, opened_at = excluded.opened_at, limit_due = excluded.limit_due,
            detail = excluded.detail, updated_at = excluded.updated_at, closed_at = null, close_reason = null)`,
  ],
  [
    'closeTasks',
    (x) => `kclose as (
      update tasks as t set status = 'closed', closed_at = x.at, close_reason = x.reason, updated_at = x.at
      from ${x}
      where t.instance_id = x.instance_id and t.task_id = x.task_id and x.instance_id in (select id from ok))`,
  ],
  [
    'alerts',
    (x) => `al as (
      insert into alerts (id, instance_id, seq, region, department, level, clock, rung, due_at, escalate_to, message, raised_at)
      select id, instance_id, seq, region, department, level, clock, rung, due_at, escalate_to, message, raised_at
      from ${x}
      where x.instance_id in (select id from ok))`,
  ],
  [
    'outbox',
    (x) => `ob as (
      insert into outbox (idempotency_key, instance_id, region, topic, payload)
      select idempotency_key, instance_id, region, topic, payload
      from ${x}
      where x.instance_id in (select id from ok))`,
  ],
];

/** The bit of `table` in a set of tables written. */
const bitOf = (table: Table) => 1 << WRITES.findIndex(([t]) => t === table);
const INSERTED = bitOf('starts');
const UPDATED = bitOf('updates');

/** Statement texts by the set of tables a round writes (a bit per entry of `WRITES`). */
const texts = new Map<number, string>();

function statementText(present: number): string {
  let text = texts.get(present);
  if (text !== undefined) return text;
  const ok = [(present & INSERTED) !== 0 ? 'select id from ins' : '', (present & UPDATED) !== 0 ? 'select id from upd' : ''];
  const ctes: string[] = [];
  let next = 1;
  WRITES.forEach(([table, cte], i) => {
    if ((present & (1 << i)) === 0) return;
    const columns = ROUND_COLUMNS[table];
    ctes.push(cte(rowsFrom(columns, 'x', next)));
    next += columns.length;
    const lastInstanceWrite = table === 'updates' || (table === 'starts' && (present & UPDATED) === 0);
    if (lastInstanceWrite) ctes.push(`ok as (${ok.filter(Boolean).join(' union all ')})`);
  });
  const updated = (present & UPDATED) !== 0 ? `coalesce((select jsonb_agg(id) from upd), '[]')` : `cast('[]' as jsonb)`;
  text = `${PREPARED_MARK}with ${ctes.join(', ')}\n    select ${updated} as updated`;
  texts.set(present, text);
  return text;
}

/**
 * The statement `writeRound` runs for `r`, ready to run: its text depends only on which tables
 * the round writes (built once per such set), its parameters are the rows. Pure.
 */
export function roundStatement(r: RoundRecords): CompiledQuery<{ updated: string[] }> {
  let present = 0;
  const parameters: Buffer[] = [];
  WRITES.forEach(([table], i) => {
    const rows = r[table];
    if (rows.length === 0) return;
    present |= 1 << i;
    parameters.push(...rows.parameters());
  });
  if ((present & (INSERTED | UPDATED)) === 0) throw new Error('internal: a round writes at least one instance');
  return CompiledQuery.raw(statementText(present), parameters) as CompiledQuery<{ updated: string[] }>;
}

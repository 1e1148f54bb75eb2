import { sql } from 'kysely';
import type { Executor } from '../storage/database.ts';
import { PREPARED } from '../storage/prepared-statements.ts';
import type { StoredInstance } from '../runtime/loaded-instance.ts';

/** A due timer taken off the table by this transaction. */
export interface ClaimedTimer {
  instanceId: string;
  timerId: string;
  clock: string;
  region: string;
  dueAt: number;
  fireOrder: number;
  attempts: number;
  /** Claim instant by the clock used (epoch ms): the fired event's `now`. */
  firedAt: number;
  /**
   * The instance row as locked by the claim, on the first of its timers in the batch (the
   * later ones fire after that one has changed it, so they read it again).
   */
  instance?: StoredInstance;
}

/**
 * Takes up to `limit` due timers: deletes them and returns them, in due order (an instance's
 * timers due together by their `fire_order`, those of different instances by instance id), each
 * instance's row with its first timer. The claim locks instance rows, not timer rows: timers of
 * an instance locked by another claim or by a command in flight are skipped (picked up next
 * round), so a claim never waits and never deadlocks with a command, and two claims never split
 * one instance's same-instant timers between them (a yellow card always fires before the expiry
 * due with it). The claim belongs to `trx`: if it rolls back, the timers are due again.
 *
 * @param at epoch ms to compare with; omitted, the database clock `now()` decides.
 */
export async function claimDueTimers(trx: Executor, limit: number, at?: number): Promise<ClaimedTimer[]> {
  const now = at === undefined ? sql`now()` : sql`cast(${new Date(at).toISOString()} as timestamptz)`;
  // Rows locked by FOR UPDATE are the latest committed versions, so the instance columns are
  // taken from the locking query, not joined again under the statement's older snapshot. The
  // timers are deleted by the exact row versions that were found due: one a command re-armed or
  // cancelled meanwhile is not deleted (and not fired) by this claim. Deleting by row address also
  // keeps the claim's cost proportional to the batch, not to the whole timer table.
  const { rows } = await sql<ClaimRow>`${PREPARED}with picked as (
      select t.ctid as row_address, t.instance_id, t.timer_id, i.definition_id, i.definition_version, i.department, i.receipt_no,
             i.status, i.outcome, cast(i.snapshot as text) as snapshot_json, i.version, i.audit_head, i.region as instance_region
      from timers as t join instances as i on i.id = t.instance_id
      where t.due_at <= ${now} and (t.retry_at is null or t.retry_at <= ${now})
      order by t.due_at, t.fire_order, t.instance_id
      limit ${limit}
      for update of i skip locked),
    gone as (
      delete from timers as t where t.ctid = any(array(select row_address from picked))
      returning t.instance_id, t.timer_id, t.clock, t.region, t.due_at, t.fire_order, t.attempts)
    select g.instance_id, g.timer_id, g.clock, g.region, g.due_at, g.fire_order, g.attempts,
           cast(floor(extract(epoch from ${now}) * 1000) as float8) as fired_at,
           p.definition_id, p.definition_version, p.department, p.receipt_no, p.status, p.outcome, p.snapshot_json,
           p.version, p.audit_head, p.instance_region
    from gone as g join picked as p on p.instance_id = g.instance_id and p.timer_id = g.timer_id`.execute(trx);
  const timers = rows.map(toClaimed);
  const order = timers.map((_, i) => i).sort((a, b) => byDueOrder(timers[a]!, timers[b]!));
  const seen = new Set<string>();
  return order.map((i) => {
    const timer = timers[i]!;
    if (!seen.has(timer.instanceId)) {
      seen.add(timer.instanceId);
      timer.instance = toStored(rows[i]!);
    }
    return timer;
  });
}

/** The order timers fire in, as the claim's index has it: due instant, rung, instance id. */
function byDueOrder(a: ClaimedTimer, b: ClaimedTimer): number {
  return a.dueAt - b.dueAt || a.fireOrder - b.fireOrder || (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0);
}

/** A claimed timer's row as the claim statement returns it. */
export interface ClaimRow {
  instance_id: string;
  timer_id: string;
  clock: string;
  region: string;
  due_at: Date;
  fire_order: number;
  attempts: number;
  fired_at: number;
  definition_id: string;
  definition_version: number;
  department: string;
  receipt_no: string;
  status: string;
  outcome: string | null;
  /** The stored snapshot's JSON text. */
  snapshot_json: string;
  version: number;
  audit_head: string;
  instance_region: string;
}

function toClaimed(r: ClaimRow): ClaimedTimer {
  return {
    instanceId: r.instance_id,
    timerId: r.timer_id,
    clock: r.clock,
    region: r.region,
    dueAt: r.due_at.getTime(),
    fireOrder: r.fire_order,
    attempts: r.attempts,
    firedAt: r.fired_at,
  };
}

/** The instance columns of a claim row, as the runtime takes them. */
export function toStored(r: Omit<ClaimRow, 'clock' | 'region' | 'fire_order' | 'attempts' | 'fired_at'>): StoredInstance {
  return {
    id: r.instance_id,
    definitionId: r.definition_id,
    definitionVersion: r.definition_version,
    region: r.instance_region,
    department: r.department,
    receiptNo: r.receipt_no,
    status: r.status,
    outcome: r.outcome,
    snapshotJson: r.snapshot_json,
    version: r.version,
    auditHead: r.audit_head,
  };
}

/**
 * Puts back timers whose firing failed, retried after a backoff (1 s, 2 s, 4 s … capped at one
 * hour) through `retry_at`; `due_at` stays as armed, so the retried event still matches the
 * instance's expectation. After `maxAttempts` a timer is parked (`retry_at = infinity`) with its
 * last error, for an operator to look at, instead of failing forever.
 */
export async function rearmFailedTimers(
  trx: Executor,
  failed: ReadonlyArray<{ timer: ClaimedTimer; error: string }>,
  maxAttempts: number,
): Promise<void> {
  if (failed.length === 0) return;
  const rows = failed.map(({ timer, error }) => {
    const attempts = timer.attempts + 1;
    const retryAt = attempts >= maxAttempts ? 'infinity' : new Date(timer.firedAt + Math.min(3600_000, 1000 * 2 ** (attempts - 1))).toISOString();
    return {
      instance_id: timer.instanceId,
      timer_id: timer.timerId,
      clock: timer.clock,
      region: timer.region,
      due_at: new Date(timer.dueAt).toISOString(),
      fire_order: timer.fireOrder,
      retry_at: retryAt,
      armed_at: new Date(timer.firedAt).toISOString(),
      attempts,
      last_error: error.slice(0, 2000),
    };
  });
  await sql`
    insert into timers (instance_id, timer_id, clock, due_at, fire_order, region, armed_at, attempts, retry_at, last_error)
    select instance_id, timer_id, clock, due_at, fire_order, region, armed_at, attempts, retry_at, last_error
    from jsonb_to_recordset(cast(${JSON.stringify(rows)} as jsonb)) as x(
      instance_id uuid, timer_id text, clock text, due_at timestamptz, fire_order smallint, region text, armed_at timestamptz,
      attempts integer, retry_at timestamptz, last_error text)
    on conflict (instance_id, timer_id) do nothing`.execute(trx);
}

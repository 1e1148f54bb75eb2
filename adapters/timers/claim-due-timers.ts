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
 * instance's row with its first timer. The claim locks each timer row after its instance row
 * (in that order: a timer of an instance held elsewhere is passed over without locking the timer,
 * which would keep another claim from taking it with its instance's other timers), skipping those
 * locked: timers of an instance locked by another claim or by a command in flight
 * are picked up next round, so a claim never waits and never deadlocks with a command, and two
 * claims never split one instance's same-instant timers between them (a yellow card always fires
 * before the expiry due with it). Locking the timer row as well means a timer that another claim
 * fired, or a command cancelled, after this statement began is passed over, not counted against
 * `limit`, and one re-armed meanwhile is taken as it is now: so an empty claim means that nothing
 * due is left but what others hold, never that everything it looked at had just been fired. The
 * claim belongs to `trx`: if it rolls back, the timers are due again.
 *
 * @param at epoch ms to compare with; omitted, the database clock `now()` decides.
 */
export async function claimDueTimers(trx: Executor, limit: number, at?: number): Promise<ClaimedTimer[]> {
  const now = at === undefined ? sql`now()` : sql`cast(${new Date(at).toISOString()} as timestamptz)`;
  // Rows locked by FOR UPDATE are the latest committed versions (a row changed since the
  // statement began is read again and checked against the conditions once more), so the columns
  // are taken from the locking query, not joined again under the statement's older snapshot, and
  // the timers are deleted by the addresses of the versions locked. Deleting by row address keeps
  // the claim's cost proportional to the batch, not to the whole timer table.
  // The batch comes back as one text (see `readClaimed`).
  const { rows } = await sql<{ fired_at: number; claimed: string | null }>`${PREPARED}with picked as (
      select t.ctid as row_address, t.instance_id, t.timer_id, i.definition_id, i.definition_version, i.department, i.receipt_no,
             i.status, i.outcome, i.snapshot, i.version, i.audit_head, i.region as instance_region
      from timers as t join instances as i on i.id = t.instance_id
      where t.due_at <= ${now} and (t.retry_at is null or t.retry_at <= ${now})
      order by t.due_at, t.fire_order, t.instance_id
      limit ${limit}
      for update of i, t skip locked),
    gone as (
      delete from timers as t where t.ctid = any(array(select row_address from picked))
      returning t.instance_id, t.timer_id, t.clock, t.region, t.due_at, t.fire_order, t.attempts)
    select cast(floor(extract(epoch from ${now}) * 1000) as float8) as fired_at, ${CLAIMED_TEXT} as claimed
    from gone as g join picked as p on p.instance_id = g.instance_id and p.timer_id = g.timer_id`.execute(trx);
  const row = rows[0];
  return row?.claimed ? readClaimed(row.claimed, row.fired_at) : [];
}

/**
 * Milliseconds, by the database clock, until the earliest timer that is not yet due (and not
 * waiting for a retry) falls due; undefined when there is none. One step of the due-order index.
 */
export async function msUntilNextDue(executor: Executor): Promise<number | undefined> {
  const { rows } = await sql<{ ms: number | null }>`
    select cast(extract(epoch from (select t.due_at from timers as t where t.due_at > now() and t.retry_at is null
                                    order by t.due_at limit 1) - now()) * 1000 as float8) as ms`.execute(executor);
  return rows[0]?.ms ?? undefined;
}

/**
 * A claim's timers as one text (see `readClaimed`), aggregated over timers `g` (their columns)
 * joined to their instances `p` (its columns, its region as `instance_region`).
 */
export const CLAIMED_TEXT = sql.raw(`string_agg(
      cast(json_build_array(g.instance_id, g.timer_id, g.clock, g.region, cast(floor(extract(epoch from g.due_at) * 1000) as float8),
                            g.fire_order, g.attempts, p.definition_id, p.definition_version, p.department, p.receipt_no,
                            p.status, p.outcome, p.version, p.audit_head, p.instance_region) as text)
        || chr(31) || cast(p.snapshot as text),
      chr(30) order by g.due_at, g.fire_order, g.instance_id)`);

/** A claimed timer's fields and its instance's, in the order the claim writes them. */
type ClaimHeader = [
  instanceId: string,
  timerId: string,
  clock: string,
  region: string,
  dueAt: number,
  fireOrder: number,
  attempts: number,
  definitionId: string,
  definitionVersion: number,
  department: string,
  receiptNo: string,
  status: string,
  outcome: string | null,
  version: number,
  auditHead: string,
  instanceRegion: string,
];

/**
 * The timers of a claim, in due order, from its text: one entry per timer, separated by U+001E,
 * each the JSON array of its fields (`ClaimHeader`), U+001F, and its instance's snapshot as
 * stored (neither separator can appear in JSON text), every one fired at `firedAt`. The fields
 * are parsed now, the snapshot
 * when the engine runs (it stays a slice of the claim's text until then): a claimed batch holds
 * one large text, which the young-generation collector never copies, instead of thousands of
 * rows of strings it copies again and again until the batch is written.
 */
export function readClaimed(claimed: string, firedAt: number): ClaimedTimer[] {
  const entries = claimed.split('\u001e');
  const timers: ClaimedTimer[] = new Array(entries.length);
  const seen = new Set<string>();
  for (let k = 0; k < entries.length; k++) {
    const entry = entries[k] as string;
    const cut = entry.indexOf('\u001f');
    const h = JSON.parse(entry.slice(0, cut)) as ClaimHeader;
    const timer: ClaimedTimer = { instanceId: h[0], timerId: h[1], clock: h[2], region: h[3], dueAt: h[4], fireOrder: h[5], attempts: h[6], firedAt };
    if (!seen.has(timer.instanceId)) {
      // The instance row comes with the first of its timers: the later ones fire after that one has changed it.
      seen.add(timer.instanceId);
      timer.instance = {
        id: h[0],
        definitionId: h[7],
        definitionVersion: h[8],
        region: h[15],
        department: h[9],
        receiptNo: h[10],
        status: h[11],
        outcome: h[12],
        snapshotJson: entry.slice(cut + 1),
        version: h[13],
        auditHead: h[14],
      };
    }
    timers[k] = timer;
  }
  return timers;
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

import { sql } from 'kysely';
import type { Executor } from '../storage/database.ts';

/**
 * How many verification-code attempts a receipt number gets. Attempts are counted per client (the
 * client address, an IPv6 address by its /64) so that one client's wrong codes block that client
 * and nobody else, and per receipt number across all clients so that guessing from many addresses
 * at once slows down too.
 */
export interface CodeAttemptPolicy {
  /** Wrong codes one client may give for one receipt number within `windowMs`; the next attempts from it are refused for `windowMs`. */
  maxFailures: number;
  /**
   * Wrong codes for one receipt number from all clients together within `windowMs` after which the
   * receipt number is guarded for `windowMs` (renewed while wrong codes keep coming): each client
   * then gets `GUARDED_ALLOWANCE` attempt per window. A right code still goes through.
   */
  maxFailuresPerReceipt: number;
  /** How long failures are remembered, and how long a block or a guard lasts, ms. */
  windowMs: number;
}

/** Ten wrong codes from one client within 15 minutes block that client for 15 minutes; a hundred from everyone guard the receipt number. */
export const DEFAULT_CODE_ATTEMPT_POLICY: CodeAttemptPolicy = { maxFailures: 10, maxFailuresPerReceipt: 100, windowMs: 15 * 60_000 };

/** Attempts each client gets per window while a receipt number is guarded. */
export const GUARDED_ALLOWANCE = 1;

/** `allowance`: the attempts the client has in this window, to pass on to `recordFailedAttempt`. */
export type AttemptAdmission =
  | { admitted: true; guarded: boolean; allowance: number }
  | { admitted: false; guarded: boolean; blockedUntil: number };

/**
 * Counts an attempt at `receiptNo`'s code by `client` before the code is checked, whether the
 * receipt exists or not. Refused while the client is blocked from the receipt number, or when the
 * client's allowance in the window is already taken by attempts that failed or are still being
 * checked: parallel guesses cannot slip past the count. Runs as one transaction that first locks the
 * receipt number's row, which orders concurrent attempts at one receipt number across nodes.
 */
export async function admitAttempt(executor: Executor, receiptNo: string, client: string, now: number, policy: CodeAttemptPolicy): Promise<AttemptAdmission> {
  const at = new Date(now).toISOString();
  const windowStart = new Date(now - policy.windowMs).toISOString();
  const blockEnd = new Date(now + policy.windowMs).toISOString();
  const run = async (trx: Executor): Promise<AttemptAdmission> => {
    const { rows: receipt } = await sql<{ attempts: number; guarded_until: Date | null }>`
      insert into code_attempts as a (receipt_no, attempts, window_started_at, guarded_until)
      values (${receiptNo}, 0, ${at}, null)
      on conflict (receipt_no) do update set
        attempts = case when a.window_started_at <= ${windowStart} then 0 else a.attempts end,
        window_started_at = case when a.window_started_at <= ${windowStart} then cast(${at} as timestamptz) else a.window_started_at end
      returning attempts, guarded_until`.execute(trx);
    const guardedUntil = receipt[0]?.guarded_until?.getTime() ?? 0;
    const guarded = guardedUntil > now || (receipt[0]?.attempts ?? 0) >= policy.maxFailuresPerReceipt;
    const allowance = guarded ? Math.min(GUARDED_ALLOWANCE, policy.maxFailures) : policy.maxFailures;
    const { rows } = await sql<{ blocked_until: Date | null }>`
      insert into code_attempt_clients as a (receipt_no, client, attempts, window_started_at, blocked_until)
      values (${receiptNo}, ${client}, 1, ${at}, null)
      on conflict (receipt_no, client) do update set
        attempts = case
          when a.blocked_until > ${at} then a.attempts
          when a.blocked_until is not null or a.window_started_at <= ${windowStart} then 1
          else a.attempts + 1 end,
        window_started_at = case
          when a.blocked_until > ${at} then a.window_started_at
          when a.blocked_until is not null or a.window_started_at <= ${windowStart} then cast(${at} as timestamptz)
          else a.window_started_at end,
        blocked_until = case
          when a.blocked_until > ${at} then a.blocked_until
          when a.blocked_until is not null or a.window_started_at <= ${windowStart} then null
          when a.attempts + 1 > ${allowance} then cast(${blockEnd} as timestamptz)
          else null end
      returning blocked_until`.execute(trx);
    const blockedUntil = rows[0]?.blocked_until?.getTime();
    if (blockedUntil !== undefined && blockedUntil > now) return { admitted: false, guarded, blockedUntil };
    await sql`update code_attempts set attempts = attempts + 1 where receipt_no = ${receiptNo}`.execute(trx);
    return { admitted: true, guarded, allowance };
  };
  return executor.isTransaction ? run(executor) : executor.transaction().execute(run);
}

/**
 * Records that an admitted attempt failed. The failure that uses up the client's `allowance` blocks
 * the client from the receipt number for `windowMs`; a failure while the receipt number has had
 * `maxFailuresPerReceipt` attempts in its window guards it for `windowMs` from now. The answer says
 * until when, for each that applies. Rows nobody will need again go. Each statement takes one row
 * lock and commits on its own, so it cannot deadlock with `admitAttempt`.
 */
export async function recordFailedAttempt(
  executor: Executor,
  receiptNo: string,
  client: string,
  now: number,
  policy: CodeAttemptPolicy,
  allowance: number,
): Promise<{ blockedUntil?: number; guardedUntil?: number }> {
  const at = new Date(now).toISOString();
  const end = new Date(now + policy.windowMs).toISOString();
  const stale = new Date(now - 2 * policy.windowMs).toISOString();
  const { rows: guard } = await sql<{ guarded_until: Date }>`
    update code_attempts set guarded_until = greatest(coalesce(guarded_until, cast(${at} as timestamptz)), cast(${end} as timestamptz))
    where receipt_no = ${receiptNo} and attempts >= ${policy.maxFailuresPerReceipt}
    returning guarded_until`.execute(executor);
  const { rows: block } = await sql<{ blocked_until: Date }>`
    update code_attempt_clients set blocked_until = cast(${end} as timestamptz)
    where receipt_no = ${receiptNo} and client = ${client} and attempts >= ${allowance} and blocked_until is null
    returning blocked_until`.execute(executor);
  await sql`
    delete from code_attempt_clients where (receipt_no, client) in (
      select receipt_no, client from code_attempt_clients
      where window_started_at < ${stale} and (blocked_until is null or blocked_until < ${at}) limit 100)`.execute(executor);
  await sql`
    delete from code_attempts where receipt_no in (
      select receipt_no from code_attempts
      where window_started_at < ${stale} and (guarded_until is null or guarded_until < ${at}) limit 100)`.execute(executor);
  const blockedUntil = block[0]?.blocked_until.getTime();
  const guardedUntil = guard[0]?.guarded_until.getTime();
  return { ...(blockedUntil !== undefined ? { blockedUntil } : {}), ...(guardedUntil !== undefined ? { guardedUntil } : {}) };
}

/**
 * Records that an admitted attempt gave the right code: the client's failures are forgotten, and the
 * attempt no longer counts towards the receipt number's ceiling. A guard stays until it runs out.
 */
export async function recordRightCode(executor: Executor, receiptNo: string, client: string): Promise<void> {
  await sql`update code_attempts set attempts = greatest(attempts - 1, 0) where receipt_no = ${receiptNo}`.execute(executor);
  await sql`delete from code_attempt_clients where receipt_no = ${receiptNo} and client = ${client}`.execute(executor);
}

/** Forgets every attempt at a receipt number, from every client (a new code was issued). */
export async function clearAttempts(executor: Executor, receiptNo: string): Promise<void> {
  await sql`delete from code_attempts where receipt_no = ${receiptNo}`.execute(executor);
  await sql`delete from code_attempt_clients where receipt_no = ${receiptNo}`.execute(executor);
}

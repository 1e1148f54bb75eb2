import { sql } from 'kysely';
import type { Executor } from '../storage/database.ts';

/** How many verification-code attempts a receipt number gets, and for how long it is blocked after. */
export interface CodeAttemptPolicy {
  /** Wrong codes within `windowMs` after which the receipt number is blocked. */
  maxFailures: number;
  /** How long failures are remembered, and how long a block lasts, ms. */
  windowMs: number;
}

/** Ten wrong codes within 15 minutes block the receipt number for 15 minutes. */
export const DEFAULT_CODE_ATTEMPT_POLICY: CodeAttemptPolicy = { maxFailures: 10, windowMs: 15 * 60_000 };

export type AttemptAdmission = { admitted: true } | { admitted: false; blockedUntil: number };

/**
 * Counts an attempt at `receiptNo`'s code before it is checked, whether the receipt exists or not.
 * Refused when the receipt number is blocked, or when `maxFailures` attempts are already pending or
 * failed in the window: parallel guesses cannot slip past the count. The row lock of the upsert
 * orders concurrent attempts on one receipt number across nodes.
 */
export async function admitAttempt(executor: Executor, receiptNo: string, now: number, policy: CodeAttemptPolicy): Promise<AttemptAdmission> {
  const at = new Date(now).toISOString();
  const windowStart = new Date(now - policy.windowMs).toISOString();
  const blockEnd = new Date(now + policy.windowMs).toISOString();
  const { rows } = await sql<{ blocked_until: Date | null }>`
    insert into code_attempts as a (receipt_no, attempts, window_started_at, blocked_until)
    values (${receiptNo}, 1, ${at}, null)
    on conflict (receipt_no) do update set
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
        when a.attempts + 1 > ${policy.maxFailures} then cast(${blockEnd} as timestamptz)
        else null end
    returning blocked_until`.execute(executor);
  const blockedUntil = rows[0]?.blocked_until?.getTime();
  return blockedUntil !== undefined && blockedUntil > now ? { admitted: false, blockedUntil } : { admitted: true };
}

/**
 * Records that an admitted attempt failed. The failure that reaches `maxFailures` blocks the receipt
 * number for `windowMs`; the answer says until when, if it did. Rows nobody will need again go.
 */
export async function recordFailedAttempt(executor: Executor, receiptNo: string, now: number, policy: CodeAttemptPolicy): Promise<{ blockedUntil?: number }> {
  const blockEnd = new Date(now + policy.windowMs).toISOString();
  const { rows } = await sql<{ blocked_until: Date }>`
    update code_attempts set blocked_until = ${blockEnd}
    where receipt_no = ${receiptNo} and attempts >= ${policy.maxFailures} and blocked_until is null
    returning blocked_until`.execute(executor);
  await sql`
    delete from code_attempts where receipt_no in (
      select receipt_no from code_attempts where window_started_at < ${new Date(now - 2 * policy.windowMs).toISOString()} limit 100)`.execute(executor);
  const blockedUntil = rows[0]?.blocked_until.getTime();
  return blockedUntil !== undefined ? { blockedUntil } : {};
}

/** Forgets the attempts at a receipt number (its right code was given, or a new code was issued). */
export async function clearAttempts(executor: Executor, receiptNo: string): Promise<void> {
  await sql`delete from code_attempts where receipt_no = ${receiptNo}`.execute(executor);
}

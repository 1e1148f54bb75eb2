import { sql } from 'kysely';
import type { Executor } from '../storage/database.ts';
import { bigintArray } from '../storage/sql-array.ts';
import type { OutboxMessage } from './outbox-message.ts';

/**
 * Locks up to `limit` undelivered rows that are due, oldest first, skipping rows another
 * node holds. The lock lasts until `trx` ends, so one row is with one dispatcher at a time.
 */
export async function claimOutbox(trx: Executor, limit: number): Promise<OutboxMessage[]> {
  const rows = await trx
    .selectFrom('outbox')
    .select(['position', 'idempotency_key', 'instance_id', 'region', 'topic', 'payload', 'attempts'])
    .where('delivered_at', 'is', null)
    .where('available_at', '<=', sql<Date>`now()`)
    .orderBy('available_at')
    .orderBy('position')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
  return rows.map((r) => ({
    position: Number(r.position),
    idempotencyKey: r.idempotency_key,
    instanceId: r.instance_id,
    region: r.region,
    topic: r.topic,
    payload: r.payload as Record<string, unknown>,
    attempts: r.attempts,
  }));
}

/** Marks the rows at these feed positions delivered. */
export async function markDelivered(trx: Executor, positions: readonly number[]): Promise<void> {
  if (positions.length === 0) return;
  await trx
    .updateTable('outbox')
    .set((eb) => ({ delivered_at: sql<Date>`now()`, attempts: eb('attempts', '+', 1), last_error: null }))
    .where('position', '=', (eb) => eb.fn.any(bigintArray(positions)))
    .execute();
}

/** Records a failed delivery; the rows come due again after a backoff (2 s, 4 s … capped at 10 min). */
export async function markFailed(trx: Executor, positions: readonly number[], error: string): Promise<void> {
  if (positions.length === 0) return;
  await sql`
    update outbox set attempts = attempts + 1, last_error = ${error.slice(0, 2000)},
      available_at = now() + least(interval '10 minutes', interval '1 second' * power(2, attempts + 1))
    where position = any(${bigintArray(positions)})`.execute(trx);
}

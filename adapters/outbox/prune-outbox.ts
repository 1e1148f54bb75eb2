import { sql } from 'kysely';
import type { Executor } from '../storage/database.ts';

/**
 * Deletes outbox rows delivered longer ago than `olderThan` (a PostgreSQL interval, e.g.
 * `7 days`) by the database clock. Undelivered rows are never touched. Returns how many went.
 */
export async function pruneDeliveredOutbox(executor: Executor, olderThan: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    with gone as (delete from outbox where delivered_at < now() - cast(${olderThan} as interval) returning 1)
    select count(*)::int as n from gone`.execute(executor);
  return rows[0]?.n ?? 0;
}

import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../adapters/storage/database.ts';

/** The transaction id of an open transaction (PostgreSQL). */
export async function transactionId(trx: Transaction<Database>): Promise<string> {
  const { rows } = await sql<{ xid: string }>`select pg_current_xact_id()::text as xid`.execute(trx);
  return rows[0]?.xid ?? '';
}

/**
 * Resolves once another session waits for transaction `xid` to end (a row lock it holds),
 * observed in `pg_locks`. Each check is a query: it waits on the database's state, not on time.
 * @throws after `maxChecks` checks without a waiter.
 */
export async function untilSomeoneWaitsFor(db: Kysely<Database>, xid: string, maxChecks = 10_000): Promise<void> {
  for (let i = 0; i < maxChecks; i++) {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_locks
      where locktype = 'transactionid' and not granted and transactionid::text = ${xid}`.execute(db);
    if ((rows[0]?.n ?? 0) > 0) return;
  }
  throw new Error(`nobody waited for transaction ${xid}`);
}

/**
 * Resolves once some session waits for an advisory lock, observed in `pg_locks` (one query per check).
 * @throws after `maxChecks` checks without a waiter.
 */
export async function untilSomeoneWaitsForAdvisoryLock(db: Kysely<Database>, maxChecks = 10_000): Promise<void> {
  for (let i = 0; i < maxChecks; i++) {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted`.execute(db);
    if ((rows[0]?.n ?? 0) > 0) return;
  }
  throw new Error('nobody waited for an advisory lock');
}

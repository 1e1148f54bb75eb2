import { sql } from 'kysely';
import type { Executor } from '../storage/database.ts';

/** Idempotency keys are kept this long by default: far beyond any client's retry window. */
export const DEFAULT_IDEMPOTENCY_RETENTION = '30 days';

/**
 * Deletes idempotency keys recorded longer ago than `keep` (a PostgreSQL interval, at least one
 * day) by the database clock, `batch` rows per statement so no transaction grows large. A
 * request repeated with a pruned key runs as a new command, so `keep` must exceed the longest
 * time a client may retry. Returns how many keys were deleted.
 *
 * Run it on the database itself, not inside a transaction of its own caller.
 *
 * @throws RangeError when `keep` is shorter than one day or not an interval.
 */
export async function pruneIdempotencyKeys(executor: Executor, keep = DEFAULT_IDEMPOTENCY_RETENTION, batch = 10_000): Promise<number> {
  const { rows } = await sql<{ ok: boolean | null }>`select cast(${keep} as interval) >= interval '1 day' as ok`
    .execute(executor)
    .catch(() => ({ rows: [{ ok: null }] }));
  if (rows[0]?.ok !== true) {
    throw new RangeError(`幂等键保留期须为不短于 1 天的时间间隔 idempotency key retention must be an interval of at least one day: ${keep}`);
  }
  let total = 0;
  for (;;) {
    const result = await sql`
      delete from idempotency_keys where key in (
        select key from idempotency_keys where created_at < now() - cast(${keep} as interval) limit ${batch})`.execute(executor);
    const deleted = Number(result.numAffectedRows ?? 0);
    total += deleted;
    if (deleted < batch) return total;
  }
}

import { sql, type Kysely } from 'kysely';
import type { Database } from '../storage/database.ts';
import { PROJECTION_TABLES } from './projection-tables.ts';
import type { CatchUpReport, StatsProjector } from './stats-projector.ts';

/**
 * `govflow stats rebuild`: empties every projection and recomputes it from the audit log from
 * the beginning. The reset waits for any batch in flight (checkpoint row lock) and commits
 * before the replay starts, so projectors on other nodes simply take part in the replay.
 * Audit months already dropped by retention cannot be replayed: rebuild only counts the months kept.
 */
export async function rebuildStatistics(db: Kysely<Database>, projector: StatsProjector): Promise<CatchUpReport> {
  await db.transaction().execute(async (trx) => {
    await sql`select name from stats_checkpoint where name = 'audit' for update`.execute(trx);
    await sql.raw(`truncate ${PROJECTION_TABLES.join(', ')}`).execute(trx);
    await sql`update stats_checkpoint set tx_id = cast('0' as xid8), position = 0, events = 0, batches = 0, updated_at = now()
      where name = 'audit'`.execute(trx);
  });
  return projector.catchUp();
}

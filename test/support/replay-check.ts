import { isDeepStrictEqual } from 'node:util';
import type { Kysely } from 'kysely';
import type { CompiledDefinition } from '../../adapters/runtime/engine-port.ts';
import { loadAuditRows, replayInstance } from '../../adapters/runtime/replay.ts';
import type { Database } from '../../adapters/storage/database.ts';

/**
 * Ids of the instances of `def` whose stored snapshot differs from the replay of their audit
 * log, or whose version is not their last seq. Empty when every snapshot is its log's replay.
 */
export async function snapshotsNotMatchingReplay(db: Kysely<Database>, def: CompiledDefinition): Promise<string[]> {
  const instances = await db
    .selectFrom('instances')
    .select(['id', 'snapshot', 'version'])
    .where('definition_id', '=', def.id)
    .where('definition_version', '=', def.version)
    .execute();
  const bad: string[] = [];
  for (const instance of instances) {
    const rows = await loadAuditRows(db, instance.id);
    const replayed = replayInstance(def, rows);
    if (!isDeepStrictEqual(JSON.parse(JSON.stringify(replayed)), instance.snapshot) || rows.at(-1)?.seq !== instance.version) {
      bad.push(instance.id);
    }
  }
  return bad;
}

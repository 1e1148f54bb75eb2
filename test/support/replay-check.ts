import { isDeepStrictEqual } from 'node:util';
import type { Kysely } from 'kysely';
import type { AuditRow } from '../../adapters/audit/append-audit-events.ts';
import type { CompiledDefinition } from '../../adapters/runtime/engine-port.ts';
import { replayInstance } from '../../adapters/runtime/replay.ts';
import type { Database } from '../../adapters/storage/database.ts';

/**
 * Ids of the instances of `def` whose stored snapshot differs from the replay of their audit
 * log, or whose version is not their last seq. Empty when every snapshot is its log's replay.
 * Reads a page of instances and all their audit rows per round trip.
 */
export async function snapshotsNotMatchingReplay(db: Kysely<Database>, def: CompiledDefinition, pageSize = 1000): Promise<string[]> {
  const bad: string[] = [];
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const instances = await db
      .selectFrom('instances')
      .select(['id', 'snapshot', 'version'])
      .where('definition_id', '=', def.id)
      .where('definition_version', '=', def.version)
      .where('id', '>', after)
      .orderBy('id')
      .limit(pageSize)
      .execute();
    if (instances.length === 0) return bad;
    after = instances[instances.length - 1]?.id ?? after;
    const events = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('instance_id', 'in', instances.map((i) => i.id))
      .orderBy('instance_id')
      .orderBy('seq')
      .execute();
    const byInstance = new Map<string, AuditRow[]>();
    for (const r of events) {
      const list = byInstance.get(r.instance_id) ?? [];
      list.push({
        instanceId: r.instance_id,
        seq: r.seq,
        region: r.region,
        type: r.type,
        actor: r.actor,
        payload: r.payload,
        occurredAt: r.occurred_at.getTime(),
        prevHash: r.prev_hash,
        hash: r.hash,
        hashAlg: r.hash_alg,
      });
      byInstance.set(r.instance_id, list);
    }
    for (const instance of instances) {
      const rows = byInstance.get(instance.id) ?? [];
      const replayed = rows.length > 0 ? JSON.parse(JSON.stringify(replayInstance(def, rows))) : undefined;
      if (!isDeepStrictEqual(replayed, instance.snapshot) || rows.at(-1)?.seq !== instance.version) bad.push(instance.id);
    }
  }
}

import { randomUUID } from 'node:crypto';
import { GENESIS_HASH } from '../../adapters/audit/audit-hash.ts';
import { appendAuditEvents, sealAuditRow, type AuditRow } from '../../adapters/audit/append-audit-events.ts';
import { AuditPartitions } from '../../adapters/audit/audit-partitions.ts';
import type { Executor } from '../../adapters/storage/database.ts';
import { jsonb } from '../../adapters/storage/jsonb.ts';

const DEF_ID = 'storage-contract';

/**
 * Writes an instance and a chain of `events` sealed audit rows straight through the storage
 * functions (no engine), for tests of the audit layer itself. Events are `stepMs` apart from
 * `start` (epoch ms), so a long step spreads a chain over several month partitions.
 */
export async function seedChain(
  db: Executor,
  options: { events: number; start?: number; stepMs?: number; region?: string },
): Promise<{ instanceId: string; rows: AuditRow[] }> {
  const instanceId = randomUUID();
  const start = options.start ?? Date.parse('2026-03-02T01:00:00Z');
  const step = options.stepMs ?? 60_000;
  const region = options.region ?? '520000';
  await db
    .insertInto('definitions')
    .values({
      id: DEF_ID,
      version: 1,
      title: jsonb({ zh: '存储契约', en: 'Storage contract' }),
      department: 'test',
      source: 'id: storage-contract',
      resolved: jsonb({ id: DEF_ID }),
      hash: '0'.repeat(64),
      published_by: jsonb({ id: 'seed', role: 'system' }),
      published_at: new Date(start),
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
  const rows: AuditRow[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= options.events; seq++) {
    const row = sealAuditRow({
      instanceId,
      seq,
      region,
      type: seq === 1 ? 'govflow.start' : `event-${seq}`,
      actor: { id: `clerk-${seq % 3}`, role: 'window', department: 'market-regulation' },
      payload: { n: seq, note: `第 ${seq} 步 step ${seq}`, nested: { b: [1, 2.5, null], a: true } },
      occurredAt: start + (seq - 1) * step,
      prevHash: prev,
    });
    rows.push(row);
    prev = row.hash;
  }
  const last = rows[rows.length - 1];
  await db
    .insertInto('instances')
    .values({
      id: instanceId,
      definition_id: DEF_ID,
      definition_version: 1,
      region,
      department: 'test',
      business_key: null,
      receipt_no: `SEED-${instanceId}`,
      status: 'active',
      outcome: null,
      snapshot: jsonb({ seq: options.events }),
      version: options.events,
      audit_head: last?.hash ?? GENESIS_HASH,
      created_at: new Date(start),
      updated_at: new Date(last?.occurredAt ?? start),
    })
    .execute();
  await new AuditPartitions().ensure(db, rows.map((r) => r.occurredAt));
  await appendAuditEvents(db, rows);
  return { instanceId, rows };
}

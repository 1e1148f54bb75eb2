import { sql } from 'kysely';
import type { Executor } from '../storage/database.ts';
import { AUDIT_HASH_ALG, auditHash, type AuditHashInput } from './audit-hash.ts';

/** An audit row as the runtime writes it (and verify reads it back). */
export interface AuditRow extends AuditHashInput {
  hash: string;
}

/** Adds `hashAlg` and the row's SM3 `hash` chained to `prevHash`. Pure. */
export function sealAuditRow(row: Omit<AuditHashInput, 'hashAlg'>): AuditRow {
  const unsealed: AuditHashInput = { ...row, hashAlg: AUDIT_HASH_ALG };
  return { ...unsealed, hash: auditHash(unsealed) };
}

/**
 * Inserts sealed rows in one statement (a single jsonb parameter, so batch size is not bound
 * by the protocol's parameter limit). The month partitions must exist: see `AuditPartitions`.
 */
export async function appendAuditEvents(executor: Executor, rows: readonly AuditRow[]): Promise<void> {
  if (rows.length === 0) return;
  const records = rows.map((r) => ({
    instance_id: r.instanceId,
    seq: r.seq,
    region: r.region,
    type: r.type,
    actor: r.actor,
    payload: r.payload,
    occurred_at: new Date(r.occurredAt).toISOString(),
    prev_hash: r.prevHash,
    hash: r.hash,
    hash_alg: r.hashAlg,
  }));
  await sql`
    insert into audit_events (instance_id, seq, region, type, actor, payload, occurred_at, prev_hash, hash, hash_alg)
    select instance_id, seq, region, type, actor, payload, occurred_at, prev_hash, hash, hash_alg
    from jsonb_to_recordset(cast(${JSON.stringify(records)} as jsonb)) as x(
      instance_id uuid, seq integer, region text, type text, actor jsonb, payload jsonb,
      occurred_at timestamptz, prev_hash text, hash text, hash_alg text)
  `.execute(executor);
}

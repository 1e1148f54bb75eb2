import { sql } from 'kysely';
import type { Executor } from '../storage/database.ts';
import { AUDIT_HASH_ALG, auditCanonical, auditDigest, type AuditHashInput } from './audit-hash.ts';

/** An audit row as the runtime writes it (and verify reads it back). */
export interface AuditRow extends AuditHashInput {
  hash: string;
}

/**
 * A sealed row with the canonical JSON its actor and payload were hashed as: the text to store,
 * so what is written is what was hashed even if the objects change afterwards.
 */
export interface SealedAuditRow extends AuditRow {
  actorJson: string;
  payloadJson: string;
}

/** Adds `hashAlg` and the row's SM3 `hash` chained to `prevHash`. Pure. */
export function sealAuditRow(row: Omit<AuditHashInput, 'hashAlg'>): SealedAuditRow {
  // One object written out field by field and completed once hashed: spreading the row into
  // copies took about a quarter of the seal.
  const sealed: SealedAuditRow = {
    instanceId: row.instanceId,
    seq: row.seq,
    region: row.region,
    type: row.type,
    actor: row.actor,
    payload: row.payload,
    occurredAt: row.occurredAt,
    prevHash: row.prevHash,
    hashAlg: AUDIT_HASH_ALG,
    hash: '',
    actorJson: '',
    payloadJson: '',
  };
  const canonical = auditCanonical(sealed);
  sealed.hash = auditDigest(canonical);
  sealed.actorJson = canonical.actor;
  sealed.payloadJson = canonical.payload;
  return sealed;
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

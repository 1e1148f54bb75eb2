import { CompiledQuery } from 'kysely';
import { ColumnRows, rowsFrom } from '../storage/column-rows.ts';
import type { Executor } from '../storage/database.ts';
import { AUDIT_HASH_ALG, auditCanonical, auditDigest, type AuditHashInput } from './audit-hash.ts';
import { canonicalJson } from './canonical-json.ts';

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

/** The columns of an audit row as the runtime's write and `appendAuditEvents` send them (see `ColumnRows`). */
export const AUDIT_COLUMNS = [
  ['instance_id', 'uuid'],
  ['seq', 'integer'],
  ['region', 'text'],
  ['type', 'text'],
  ['occurred_at', 'timestamptz'],
  ['prev_hash', 'text'],
  ['hash', 'text'],
  ['hash_alg', 'text'],
  ['actor', 'jsonb'],
  ['payload', 'jsonb'],
] as const;

/**
 * Inserts rows in one statement, one parameter per column, so batch size is not bound by the
 * protocol's parameter limit. The month partitions must exist: see `AuditPartitions`.
 */
export async function appendAuditEvents(executor: Executor, rows: readonly AuditRow[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = new ColumnRows(AUDIT_COLUMNS);
  for (const r of rows) {
    columns.add(r.instanceId, r.seq, r.region, r.type, r.occurredAt, r.prevHash, r.hash, r.hashAlg, canonicalJson(r.actor), canonicalJson(r.payload));
  }
  await executor.executeQuery(
    CompiledQuery.raw(
      `insert into audit_events (instance_id, seq, region, type, actor, payload, occurred_at, prev_hash, hash, hash_alg)
       select instance_id, seq, region, type, actor, payload, occurred_at, prev_hash, hash, hash_alg
       from ${rowsFrom(AUDIT_COLUMNS, 'x', 1)}`,
      columns.parameters(),
    ),
  );
}

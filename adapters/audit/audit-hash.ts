import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';

/** The hash algorithm recorded on every row: SM3 (GB/T 32905-2016), 256 bits, lower-case hex. */
export const AUDIT_HASH_ALG = 'sm3';

/** `prev_hash` of an instance's first event: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of an audit row that its hash covers (all of them except `hash` itself). */
export interface AuditHashInput {
  instanceId: string;
  seq: number;
  region: string;
  type: string;
  actor: Record<string, unknown>;
  payload: Record<string, unknown>;
  /** Epoch milliseconds; hashed as its ISO-8601 UTC form, e.g. `2026-03-02T01:00:00.000Z`. */
  occurredAt: number;
  prevHash: string;
  hashAlg: string;
}

/**
 * The canonical text of a row: canonical JSON (see `canonicalJson`) of
 * `{actor, hash_alg, instance_id, occurred_at, payload, prev_hash, region, seq, type}`.
 * Pure.
 */
function auditCanonicalText(row: AuditHashInput): string {
  return canonicalJson({
    instance_id: row.instanceId,
    seq: row.seq,
    region: row.region,
    type: row.type,
    actor: row.actor,
    payload: row.payload,
    occurred_at: new Date(row.occurredAt).toISOString(),
    prev_hash: row.prevHash,
    hash_alg: row.hashAlg,
  });
}

/**
 * SM3 over the UTF-8 bytes of `auditCanonicalText(row)`, lower-case hex. Pure.
 *
 * @throws Error when `row.hashAlg` is not `sm3` (the only algorithm this build writes or checks).
 */
export function auditHash(row: AuditHashInput): string {
  if (row.hashAlg !== AUDIT_HASH_ALG) {
    throw new Error(`不支持的哈希算法 unsupported hash algorithm: ${row.hashAlg}`);
  }
  return createHash('sm3').update(auditCanonicalText(row), 'utf8').digest('hex');
}

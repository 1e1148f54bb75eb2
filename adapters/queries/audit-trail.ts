import { sql } from 'kysely';
import type { Executor } from '../storage/database.ts';

export interface AuditEntry {
  seq: number;
  type: string;
  actor: Record<string, unknown>;
  payload: Record<string, unknown>;
  occurredAt: string;
  prevHash: string;
  hash: string;
  hashAlg: string;
}

/** The audit events of one instance in `seq` order. */
export async function listAuditEntries(executor: Executor, instanceId: string): Promise<AuditEntry[]> {
  const { rows } = await sql<{
    seq: number;
    type: string;
    actor: Record<string, unknown>;
    payload: Record<string, unknown>;
    occurred_at: Date;
    prev_hash: string;
    hash: string;
    hash_alg: string;
  }>`select seq, type, actor, payload, occurred_at, prev_hash, hash, hash_alg from audit_events
     where instance_id = ${instanceId} order by seq, occurred_at`.execute(executor);
  return rows.map((r) => ({
    seq: r.seq,
    type: r.type,
    actor: r.actor,
    payload: r.payload,
    occurredAt: r.occurred_at.toISOString(),
    prevHash: r.prev_hash,
    hash: r.hash,
    hashAlg: r.hash_alg,
  }));
}

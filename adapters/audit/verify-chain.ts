import { AUDIT_HASH_ALG, GENESIS_HASH, auditHash } from './audit-hash.ts';
import type { AuditRow } from './append-audit-events.ts';

export type AuditProblemKind =
  | 'missing-event'
  | 'duplicate-seq'
  | 'unexpected-seq'
  | 'unknown-hash-alg'
  | 'prev-hash-mismatch'
  | 'hash-mismatch'
  | 'head-mismatch'
  | 'orphan-events';

/** The first thing wrong with one instance's chain: which row, and what. */
export interface AuditProblem {
  instanceId: string;
  seq: number;
  kind: AuditProblemKind;
  /** zh-CN first, English after. */
  message: string;
}

/** What the `instances` row says the chain should end with. */
export interface ChainHead {
  version: number;
  auditHead: string;
}

/** Where the chain resumes after retention dropped older months. */
export interface ChainAnchor {
  seq: number;
  hash: string;
}

const problem = (instanceId: string, seq: number, kind: AuditProblemKind, zh: string, en: string): AuditProblem => ({
  instanceId,
  seq,
  kind,
  message: `${zh} ${en}`,
});

/**
 * Recomputes one instance's chain and returns its first broken row, or `undefined` when the
 * chain is whole. `rows` are in `seq` order. `head` is `undefined` when no instance row exists.
 * Pure.
 */
export function verifyChain(
  instanceId: string,
  rows: readonly AuditRow[],
  head: ChainHead | undefined,
  anchor: ChainAnchor | undefined,
): AuditProblem | undefined {
  if (head === undefined) {
    const seq = rows[0]?.seq ?? 0;
    return problem(instanceId, seq, 'orphan-events', `审计事件无对应实例（自序号 ${seq}）`, `audit events without an instance (from seq ${seq})`);
  }
  let expected = anchor ? anchor.seq + 1 : 1;
  let prev = anchor ? anchor.hash : GENESIS_HASH;
  for (const row of rows) {
    if (row.seq > expected) {
      return problem(instanceId, expected, 'missing-event', `缺少序号 ${expected}（下一条为 ${row.seq}）`, `seq ${expected} is missing (next row has seq ${row.seq})`);
    }
    if (row.seq === expected - 1) {
      return problem(instanceId, row.seq, 'duplicate-seq', `序号 ${row.seq} 重复`, `seq ${row.seq} appears twice`);
    }
    if (row.seq < expected) {
      return problem(instanceId, row.seq, 'unexpected-seq', `序号 ${row.seq} 顺序错误（应为 ${expected}）`, `seq ${row.seq} out of order (expected ${expected})`);
    }
    if (row.hashAlg !== AUDIT_HASH_ALG) {
      return problem(instanceId, row.seq, 'unknown-hash-alg', `未知哈希算法 ${row.hashAlg}`, `unknown hash algorithm ${row.hashAlg}`);
    }
    if (row.prevHash !== prev) {
      return problem(instanceId, row.seq, 'prev-hash-mismatch', `prev_hash 与上一条的哈希不符`, `prev_hash does not match the previous row's hash`);
    }
    if (auditHash(row) !== row.hash) {
      return problem(instanceId, row.seq, 'hash-mismatch', `内容与哈希不符（该行被修改）`, `contents do not match the hash (row was altered)`);
    }
    prev = row.hash;
    expected += 1;
  }
  const last = expected - 1;
  if (head.version > last) {
    return problem(instanceId, last + 1, 'missing-event', `缺少序号 ${last + 1}（实例版本为 ${head.version}）`, `seq ${last + 1} is missing (instance is at version ${head.version})`);
  }
  if (head.version < last) {
    return problem(instanceId, head.version + 1, 'unexpected-seq', `多出序号 ${head.version + 1}（实例版本为 ${head.version}）`, `unexpected seq ${head.version + 1} (instance is at version ${head.version})`);
  }
  if (head.auditHead !== prev) {
    return problem(instanceId, last, 'head-mismatch', `末条哈希与实例记录不符`, `last hash does not match the instance's audit head`);
  }
  return undefined;
}

import { sql } from 'kysely';
import type { Executor } from '../storage/database.ts';
import { uuidArray } from '../storage/sql-array.ts';
import type { AuditRow } from './append-audit-events.ts';
import { verifyChain, type AuditProblem, type ChainAnchor, type ChainHead } from './verify-chain.ts';

export interface AuditVerifyOptions {
  /** Only this instance. */
  instanceId?: string;
  /** Instances read per round trip. Default 500. */
  pageSize?: number;
  /** Stop after this many broken instances. Default 100. */
  maxProblems?: number;
}

export interface AuditVerifyReport {
  ok: boolean;
  instances: number;
  events: number;
  /** One entry per broken instance: its first broken row. */
  problems: AuditProblem[];
}

/**
 * Recomputes every instance's hash chain (or one instance's) and reports the first broken
 * row of each broken chain, including audit rows whose instance does not exist. Read-only.
 */
export async function verifyAudit(executor: Executor, options: AuditVerifyOptions = {}): Promise<AuditVerifyReport> {
  const pageSize = options.pageSize ?? 500;
  const maxProblems = options.maxProblems ?? 100;
  const report: AuditVerifyReport = { ok: true, instances: 0, events: 0, problems: [] };
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    let query = executor.selectFrom('instances').select(['id', 'version', 'audit_head']).orderBy('id').limit(pageSize);
    query = options.instanceId !== undefined ? query.where('id', '=', options.instanceId) : query.where('id', '>', after);
    const heads = await query.execute();
    const ids = heads.map((h) => h.id);
    if (options.instanceId !== undefined && ids.length === 0) ids.push(options.instanceId);
    if (ids.length === 0) break;
    const [events, anchors] = await Promise.all([loadEvents(executor, ids), loadAnchors(executor, ids)]);
    const headById = new Map<string, ChainHead>(heads.map((h) => [h.id, { version: h.version, auditHead: h.audit_head }]));
    for (const id of ids) {
      const rows = events.get(id) ?? [];
      const head = headById.get(id);
      if (head === undefined && rows.length === 0) continue;
      report.instances += 1;
      report.events += rows.length;
      const found = verifyChain(id, rows, head, anchors.get(id));
      if (found) report.problems.push(found);
      if (report.problems.length >= maxProblems) return finish(report);
    }
    if (options.instanceId !== undefined || heads.length < pageSize) break;
    after = ids[ids.length - 1] ?? after;
  }
  if (options.instanceId === undefined) {
    for (const orphan of await loadOrphans(executor)) {
      if (report.problems.length >= maxProblems) break;
      report.instances += 1;
      report.events += orphan.rows.length;
      const found = verifyChain(orphan.id, orphan.rows, undefined, undefined);
      if (found) report.problems.push(found);
    }
  }
  return finish(report);
}

function finish(report: AuditVerifyReport): AuditVerifyReport {
  report.ok = report.problems.length === 0;
  return report;
}

interface EventRecord {
  instance_id: string;
  seq: number;
  region: string;
  type: string;
  actor: Record<string, unknown>;
  payload: Record<string, unknown>;
  occurred_at: Date;
  prev_hash: string;
  hash: string;
  hash_alg: string;
}

const toRow = (r: EventRecord): AuditRow => ({
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

async function loadEvents(executor: Executor, ids: string[]): Promise<Map<string, AuditRow[]>> {
  const { rows } = await sql<EventRecord>`
    select instance_id, seq, region, type, actor, payload, occurred_at, prev_hash, hash, hash_alg
    from audit_events where instance_id = any(${uuidArray(ids)})
    order by instance_id, seq, occurred_at, hash`.execute(executor);
  const byInstance = new Map<string, AuditRow[]>();
  for (const r of rows) {
    const list = byInstance.get(r.instance_id) ?? [];
    list.push(toRow(r));
    byInstance.set(r.instance_id, list);
  }
  return byInstance;
}

async function loadAnchors(executor: Executor, ids: string[]): Promise<Map<string, ChainAnchor>> {
  const { rows } = await sql<{ instance_id: string; seq: number; hash: string }>`
    select instance_id, seq, hash from audit_anchors where instance_id = any(${uuidArray(ids)})`.execute(executor);
  return new Map(rows.map((r) => [r.instance_id, { seq: r.seq, hash: r.hash }]));
}

async function loadOrphans(executor: Executor): Promise<Array<{ id: string; rows: AuditRow[] }>> {
  const { rows } = await sql<{ instance_id: string }>`
    select distinct a.instance_id from audit_events a
    where not exists (select 1 from instances i where i.id = a.instance_id)
    order by a.instance_id limit 100`.execute(executor);
  if (rows.length === 0) return [];
  const events = await loadEvents(executor, rows.map((r) => r.instance_id));
  return rows.map((r) => ({ id: r.instance_id, rows: events.get(r.instance_id) ?? [] }));
}

import type { Executor } from '../storage/database.ts';
import { textArray, uuidArray } from '../storage/sql-array.ts';
import type { InstanceSnapshot } from './engine-port.ts';
import type { LoadedInstance } from './loaded-instance.ts';

/** Loads instance rows by id, in one round trip. Ids not found are absent from the map. */
export async function loadInstances(executor: Executor, ids: readonly string[]): Promise<Map<string, LoadedInstance>> {
  const found = new Map<string, LoadedInstance>();
  if (ids.length === 0) return found;
  const rows = await executor
    .selectFrom('instances')
    .select(['id', 'definition_id', 'definition_version', 'region', 'department', 'receipt_no', 'status', 'outcome', 'snapshot', 'version', 'audit_head'])
    .where('id', '=', (eb) => eb.fn.any(uuidArray(ids)))
    .execute();
  for (const r of rows) {
    found.set(r.id, {
      id: r.id,
      definitionId: r.definition_id,
      definitionVersion: r.definition_version,
      region: r.region,
      department: r.department,
      receiptNo: r.receipt_no,
      status: r.status,
      outcome: r.outcome,
      snapshot: r.snapshot as InstanceSnapshot,
      version: r.version,
      auditHead: r.audit_head,
    });
  }
  return found;
}

/** Current versions of the given instances (to tell a losing command where the instance is now). */
export async function loadVersions(executor: Executor, ids: readonly string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await executor
    .selectFrom('instances')
    .select(['id', 'version'])
    .where('id', '=', (eb) => eb.fn.any(uuidArray(ids)))
    .execute();
  return new Map(rows.map((r) => [r.id, r.version]));
}

/** Which of the given (definition id, business key) pairs are already used, as `id\u0000key`. */
export async function loadTakenBusinessKeys(executor: Executor, pairs: ReadonlyArray<{ definitionId: string; businessKey: string }>): Promise<Set<string>> {
  if (pairs.length === 0) return new Set();
  const rows = await executor
    .selectFrom('instances')
    .select(['definition_id', 'business_key'])
    .where('business_key', '=', (eb) => eb.fn.any(textArray(pairs.map((p) => p.businessKey))))
    .execute();
  return new Set(rows.map((r) => `${r.definition_id}\u0000${r.business_key ?? ''}`));
}

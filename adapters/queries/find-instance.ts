import { sql } from 'kysely';
import type { InstanceSnapshot } from '../runtime/engine-port.ts';
import type { Executor } from '../storage/database.ts';
import { caseCondition, type CaseScope } from './case-scope.ts';

/** An instance row as the API reads it. */
export interface InstanceRecord {
  id: string;
  definitionId: string;
  definitionVersion: number;
  region: string;
  department: string;
  businessKey: string | null;
  receiptNo: string;
  status: string;
  outcome: string | null;
  snapshot: InstanceSnapshot;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  /** True when the caller's department owns the case (it sees personal data whole). */
  owned: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The instance `id` if it exists and lies in `scope`; `undefined` otherwise — a case outside
 * the scope is indistinguishable from a missing one.
 */
export async function findInstance(executor: Executor, id: string, scope: CaseScope): Promise<InstanceRecord | undefined> {
  if (!UUID.test(id)) return undefined;
  const owned =
    scope.kind === 'department' ? sql<boolean>`i.department = ${scope.department}` : scope.kind === 'instance' ? sql<boolean>`true` : sql<boolean>`false`;
  const row = await executor
    .selectFrom('instances as i')
    .select([
      'i.id',
      'i.definition_id',
      'i.definition_version',
      'i.region',
      'i.department',
      'i.business_key',
      'i.receipt_no',
      'i.status',
      'i.outcome',
      'i.snapshot',
      'i.version',
      'i.created_at',
      'i.updated_at',
      owned.as('owned'),
    ])
    .where('i.id', '=', id.toLowerCase())
    .where(caseCondition(scope))
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    definitionId: row.definition_id,
    definitionVersion: row.definition_version,
    region: row.region,
    department: row.department,
    businessKey: row.business_key,
    receiptNo: row.receipt_no,
    status: row.status,
    outcome: row.outcome,
    snapshot: row.snapshot as InstanceSnapshot,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    owned: row.owned,
  };
}

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

/** Department and region of an instance, whatever the scope (for routing realtime messages). */
export async function instanceHome(executor: Executor, id: string): Promise<{ department: string; region: string; taskDepartments: string[] } | undefined> {
  if (!UUID.test(id)) return undefined;
  const { rows } = await sql<{ department: string; region: string; task_departments: string[] | null }>`
    select i.department, i.region,
      (select jsonb_agg(distinct d) from tasks t, lateral (
         select t.department as d union select jsonb_array_elements_text(t.assignees)) x
       where t.instance_id = i.id and t.status = 'open') as task_departments
    from instances i where i.id = ${id.toLowerCase()}`.execute(executor);
  const row = rows[0];
  return row ? { department: row.department, region: row.region, taskDepartments: row.task_departments ?? [] } : undefined;
}

/** Outbox messages of one instance after `(seq, n)` in commit order: what a reconnecting stream missed. */
export async function outboxSince(
  executor: Executor,
  instanceId: string,
  after: { seq: number; n: number },
): Promise<Array<{ key: string; topic: string; region: string; payload: Record<string, unknown> }>> {
  if (!UUID.test(instanceId)) return [];
  const rows = await executor
    .selectFrom('outbox')
    .select(['idempotency_key', 'topic', 'region', 'payload'])
    .where('instance_id', '=', instanceId.toLowerCase())
    .execute();
  const position = (key: string) => key.split(':').slice(-2).map(Number) as [number, number];
  return rows
    .map((r) => ({ key: r.idempotency_key, topic: r.topic, region: r.region, payload: r.payload as Record<string, unknown>, at: position(r.idempotency_key) }))
    .filter((r) => r.at[0] > after.seq || (r.at[0] === after.seq && r.at[1] > after.n))
    .sort((a, b) => a.at[0] - b.at[0] || a.at[1] - b.at[1])
    .map(({ at: _at, ...r }) => r);
}

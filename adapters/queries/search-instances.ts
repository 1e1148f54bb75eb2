import { sql } from 'kysely';
import type { Executor } from '../storage/database.ts';
import { caseCondition, type CaseScope } from './case-scope.ts';
import { toPage, type KeysetCursor, type Page } from './keyset-page.ts';

export interface InstanceFilters {
  status?: 'active' | 'done';
  definition?: string;
  /** Name of a state the instance is in (at any level of nesting). Kebab-case only. */
  state?: string;
  receiptNo?: string;
  department?: string;
  outcome?: string;
  createdFrom?: string;
  createdTo?: string;
}

export interface InstanceSummary {
  id: string;
  receiptNo: string;
  definition: { id: string; version: number; title: unknown };
  department: string;
  region: string;
  status: string;
  outcome: string | null;
  state: unknown;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** `data.applicant` as stored; the API masks it. */
  applicant: unknown;
}

const STATE_NAME = /^[a-z][a-z0-9-]{0,99}$/;

/** Instances in `scope` matching `filters`, newest first, keyset-paged. */
export async function searchInstances(
  executor: Executor,
  scope: CaseScope,
  filters: InstanceFilters,
  page: { limit: number; after?: KeysetCursor },
): Promise<Page<InstanceSummary>> {
  let query = executor
    .selectFrom('instances as i')
    .innerJoin('definitions as d', (join) => join.onRef('d.id', '=', 'i.definition_id').onRef('d.version', '=', 'i.definition_version'))
    .select([
      'i.id',
      'i.receipt_no',
      'i.definition_id',
      'i.definition_version',
      'd.title',
      'i.department',
      'i.region',
      'i.status',
      'i.outcome',
      sql<unknown>`i.snapshot -> 'value'`.as('state'),
      sql<unknown>`i.snapshot -> 'data' -> 'applicant'`.as('applicant'),
      'i.version',
      'i.created_at',
      'i.updated_at',
    ])
    .where(caseCondition(scope))
    .orderBy('i.created_at', 'desc')
    .orderBy('i.id', 'desc')
    .limit(page.limit + 1);
  if (filters.status) query = query.where('i.status', '=', filters.status);
  if (filters.definition) query = query.where('i.definition_id', '=', filters.definition);
  if (filters.receiptNo) query = query.where('i.receipt_no', '=', filters.receiptNo);
  if (filters.department) query = query.where('i.department', '=', filters.department);
  if (filters.outcome) query = query.where('i.outcome', '=', filters.outcome);
  if (filters.createdFrom) query = query.where('i.created_at', '>=', new Date(filters.createdFrom));
  if (filters.createdTo) query = query.where('i.created_at', '<', new Date(filters.createdTo));
  if (filters.state && STATE_NAME.test(filters.state)) {
    // A state name appears in the state value as a JSON string (key or leaf); names have no LIKE metacharacters.
    query = query.where(sql<boolean>`cast(i.snapshot -> 'value' as text) like ${`%"${filters.state}"%`}`);
  }
  if (page.after) {
    const at = new Date(page.after.at);
    query = query.where((eb) => eb.or([eb('i.created_at', '<', at), eb.and([eb('i.created_at', '=', at), eb('i.id', '<', page.after!.id)])]));
  }
  const rows = await query.execute();
  return toPage(
    rows,
    page.limit,
    (r) => ({
      id: r.id,
      receiptNo: r.receipt_no,
      definition: { id: r.definition_id, version: r.definition_version, title: r.title },
      department: r.department,
      region: r.region,
      status: r.status,
      outcome: r.outcome,
      state: r.state,
      version: r.version,
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
      applicant: r.applicant,
    }),
    (r) => ({ at: r.created_at.toISOString(), id: r.id }),
  );
}

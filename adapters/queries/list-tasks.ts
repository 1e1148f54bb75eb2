import { sql } from 'kysely';
import type { Executor } from '../storage/database.ts';
import { regionCondition } from './region-scope.ts';
import { toPage, type KeysetCursor, type Page } from './keyset-page.ts';

export interface TaskRecord {
  instanceId: string;
  taskId: string;
  state: string;
  title: unknown;
  role: string;
  department: string;
  region: string;
  mode: string;
  assignees: string[];
  status: string;
  claimedBy: string | null;
  delegatedTo: string | null;
  openedAt: string;
  limitDue: string | null;
  closedAt: string | null;
  closeReason: string | null;
  receiptNo: string;
  definitionId: string;
}

interface TaskRow {
  instance_id: string;
  task_id: string;
  state: string;
  title: unknown;
  role: string;
  department: string;
  region: string;
  mode: string;
  assignees: unknown;
  status: string;
  claimed_by: string | null;
  delegated_to: string | null;
  opened_at: Date;
  limit_due: Date | null;
  closed_at: Date | null;
  close_reason: string | null;
  receipt_no: string;
  definition_id: string;
}

const toRecord = (r: TaskRow): TaskRecord => ({
  instanceId: r.instance_id,
  taskId: r.task_id,
  state: r.state,
  title: r.title,
  role: r.role,
  department: r.department,
  region: r.region,
  mode: r.mode,
  assignees: Array.isArray(r.assignees) ? (r.assignees as string[]) : [],
  status: r.status,
  claimedBy: r.claimed_by,
  delegatedTo: r.delegated_to,
  openedAt: r.opened_at.toISOString(),
  limitDue: r.limit_due?.toISOString() ?? null,
  closedAt: r.closed_at?.toISOString() ?? null,
  closeReason: r.close_reason,
  receiptNo: r.receipt_no,
  definitionId: r.definition_id,
});

export interface WorklistQuery {
  department: string;
  role: string;
  region: string;
  actorId: string;
  /** `mine`: claimed by or delegated to the actor; `open`: unclaimed ones; `all` (default): both. */
  view?: 'mine' | 'open' | 'all';
  definition?: string;
}

/**
 * The open tasks a person may work on: their role, their department (as owner or as a
 * countersign assignee), their region; unclaimed or claimed by (or delegated to) them.
 * Oldest first, so what waits longest comes first.
 */
export async function listWorklist(executor: Executor, q: WorklistQuery, page: { limit: number; after?: KeysetCursor }): Promise<Page<TaskRecord>> {
  const deptJson = JSON.stringify([q.department]);
  const actorJson = JSON.stringify([q.actorId]);
  const mine = sql<boolean>`(t.claimed_by = ${q.actorId} or t.delegated_to = ${q.actorId})`;
  const view = q.view ?? 'all';
  const claim =
    view === 'mine' ? mine : view === 'open' ? sql<boolean>`t.claimed_by is null` : sql<boolean>`(t.claimed_by is null or ${mine})`;
  const after = page.after
    ? sql<boolean>`(t.opened_at > ${new Date(page.after.at).toISOString()} or (t.opened_at = ${new Date(page.after.at).toISOString()} and (t.instance_id::text || '|' || t.task_id) > ${page.after.id}))`
    : sql<boolean>`true`;
  const definition = q.definition !== undefined ? sql<boolean>`i.definition_id = ${q.definition}` : sql<boolean>`true`;
  const { rows } = await sql<TaskRow>`
    select t.instance_id, t.task_id, t.state, t.title, t.role, t.department, t.region, t.mode, t.assignees, t.status,
           t.claimed_by, t.delegated_to, t.opened_at, t.limit_due, t.closed_at, t.close_reason, i.receipt_no, i.definition_id
    from tasks t join instances i on i.id = t.instance_id
    where t.status = 'open' and t.role = ${q.role}
      and (t.department = ${q.department} or t.assignees @> cast(${deptJson} as jsonb) or t.assignees @> cast(${actorJson} as jsonb))
      and ${regionCondition('t.region', q.region)} and ${claim} and ${after} and ${definition}
    order by t.opened_at, t.instance_id::text || '|' || t.task_id
    limit ${page.limit + 1}`.execute(executor);
  return toPage(rows, page.limit, toRecord, (r) => ({ at: r.opened_at.toISOString(), id: `${r.instance_id}|${r.task_id}` }));
}

/** Tasks of one instance (open first, then closed, each by opening time). */
export async function listInstanceTasks(executor: Executor, instanceId: string, options: { openOnly?: boolean } = {}): Promise<TaskRecord[]> {
  const { rows } = await sql<TaskRow>`
    select t.instance_id, t.task_id, t.state, t.title, t.role, t.department, t.region, t.mode, t.assignees, t.status,
           t.claimed_by, t.delegated_to, t.opened_at, t.limit_due, t.closed_at, t.close_reason, i.receipt_no, i.definition_id
    from tasks t join instances i on i.id = t.instance_id
    where t.instance_id = ${instanceId} ${options.openOnly ? sql`and t.status = 'open'` : sql``}
    order by t.status desc, t.opened_at, t.task_id`.execute(executor);
  return rows.map(toRecord);
}

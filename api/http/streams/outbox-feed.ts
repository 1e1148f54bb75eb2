import { sql, type RawBuilder } from 'kysely';
import { regionCondition } from '../../../adapters/queries/region-scope.ts';
import type { Executor } from '../../../adapters/storage/database.ts';

/**
 * An outbox row as live streams see it: its place in the feed (`outbox.position`, migration 0014)
 * and where its case lives, so each stream can decide whether to pass it on.
 */
export interface FeedMessage {
  position: number;
  topic: string;
  instanceId: string;
  region: string;
  payload: Record<string, unknown>;
  /** The case's department (absent if the case is gone). */
  department: string | undefined;
  /** Departments holding an open task on the case (owner and countersign assignees). */
  taskDepartments: string[];
}

/** Which rows a replay wants, besides the position range. */
export interface FeedFilter {
  topic?: string;
  instanceId?: string;
  /** Region the rows must lie in (a province covers its cities and counties). */
  region?: string;
  /** The case's department; with `orTaskHolder`, also cases where it holds an open task. */
  department?: { name: string; orTaskHolder: boolean };
}

interface FeedRow {
  position: string;
  topic: string;
  instance_id: string;
  region: string;
  payload: Record<string, unknown>;
  department: string | null;
  task_departments: string[] | null;
}

const toMessage = (r: FeedRow): FeedMessage => ({
  position: Number(r.position),
  topic: r.topic,
  instanceId: r.instance_id,
  region: r.region,
  payload: r.payload,
  department: r.department ?? undefined,
  taskDepartments: r.task_departments ?? [],
});

function select(where: RawBuilder<boolean>, limit: number) {
  return sql<FeedRow>`
    select o.position, o.topic, o.instance_id, o.region, o.payload, i.department,
      (select jsonb_agg(distinct d) from tasks t, lateral (
         select t.department as d union select jsonb_array_elements_text(t.assignees)) x
       where t.instance_id = o.instance_id and t.status = 'open') as task_departments
    from outbox o left join instances i on i.id = o.instance_id
    where ${where}
    order by o.position
    limit ${limit}`;
}

/** Up to `limit` rows after `position`, in feed order (which may skip positions). */
export async function readFeed(executor: Executor, after: number, limit: number): Promise<FeedMessage[]> {
  const { rows } = await select(sql<boolean>`o.position > ${after}`, limit).execute(executor);
  return rows.map(toMessage);
}

/** Rows in `(after, upTo]` that pass `filter`, in feed order; at most `limit`. */
export async function replayFeed(executor: Executor, range: { after: number; upTo: number }, filter: FeedFilter, limit: number): Promise<FeedMessage[]> {
  const conditions: RawBuilder<boolean>[] = [sql<boolean>`o.position > ${range.after}`, sql<boolean>`o.position <= ${range.upTo}`];
  if (filter.topic !== undefined) conditions.push(sql<boolean>`o.topic = ${filter.topic}`);
  if (filter.instanceId !== undefined) conditions.push(sql<boolean>`o.instance_id = ${filter.instanceId}`);
  if (filter.region !== undefined) conditions.push(regionCondition('o.region', filter.region));
  if (filter.department !== undefined) {
    const name = filter.department.name;
    conditions.push(
      filter.department.orTaskHolder
        ? sql<boolean>`(i.department = ${name} or exists (select 1 from tasks st where st.instance_id = o.instance_id and st.status = 'open'
            and (st.department = ${name} or st.assignees @> cast(${JSON.stringify([name])} as jsonb))))`
        : sql<boolean>`i.department = ${name}`,
    );
  }
  const { rows } = await select(sql.join(conditions, sql` and `), limit).execute(executor);
  return rows.map(toMessage);
}

/** The last position written so far (0 for an empty outbox). */
export async function feedEnd(executor: Executor): Promise<number> {
  const { rows } = await sql<{ position: string | null }>`select max(position) as position from outbox`.execute(executor);
  return Number(rows[0]?.position ?? 0);
}

/**
 * Transactions (by virtual transaction id) other than ours that hold a write lock on `outbox`
 * right now. A transaction takes that lock before it draws an outbox position and keeps it until
 * it ends, so a position not yet visible can only belong to one of these.
 */
export async function outboxWriters(executor: Executor): Promise<string[]> {
  const { rows } = await sql<{ vxid: string }>`
    select distinct virtualtransaction as vxid from pg_locks
    where locktype = 'relation' and database = (select oid from pg_database where datname = current_database())
      and relation = cast('outbox' as regclass) and mode = 'RowExclusiveLock' and granted
      and pid is distinct from pg_backend_pid()`.execute(executor);
  return rows.map((r) => r.vxid);
}

/**
 * The feed position a stream's event id names (the decimal position), while its row is kept
 * (outbox rows are pruned some days after delivery), and only if the row belongs to `instanceId`
 * when that is given. Anything else names no position.
 */
export async function positionOfEventId(executor: Executor, eventId: string, instanceId?: string): Promise<number | undefined> {
  if (!/^[1-9][0-9]{0,17}$/.test(eventId)) return undefined;
  const { rows } = await sql<{ position: string }>`
    select position from outbox where position = ${eventId}
    ${instanceId !== undefined ? sql`and instance_id = ${instanceId}` : sql``}`.execute(executor);
  return rows[0] ? Number(rows[0].position) : undefined;
}

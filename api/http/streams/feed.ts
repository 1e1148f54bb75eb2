import { sql, type RawBuilder } from 'kysely';
import { regionCondition } from '../../../adapters/queries/region-scope.ts';
import type { Executor } from '../../../adapters/storage/database.ts';

/**
 * A message of the feed live streams follow, with its place in it and where its case lives, so
 * each stream can decide whether to pass it on. The feed is two tables drawing positions from one
 * sequence (migration 0036): outbox rows (alerts, notifications) and audit rows, each of which is
 * an `instance.changed` message — the case's event, its states before and after, and its status.
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

/** The topic of the messages the audit log supplies. */
export const CASE_CHANGED = 'instance.changed';

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

/** Conditions on the columns both sources share, as `m` (position, topic, instance_id, region) and `i` (the case). */
function conditions(range: { after: number; upTo?: number }, filter: FeedFilter): RawBuilder<boolean> {
  const c: RawBuilder<boolean>[] = [sql<boolean>`m.position > ${range.after}`];
  if (range.upTo !== undefined) c.push(sql<boolean>`m.position <= ${range.upTo}`);
  if (filter.instanceId !== undefined) c.push(sql<boolean>`m.instance_id = ${filter.instanceId}`);
  if (filter.region !== undefined) c.push(regionCondition('m.region', filter.region));
  if (filter.department !== undefined) {
    const name = filter.department.name;
    c.push(
      filter.department.orTaskHolder
        ? sql<boolean>`(i.department = ${name} or exists (select 1 from tasks st where st.instance_id = m.instance_id and st.status = 'open'
            and (st.department = ${name} or st.assignees @> cast(${JSON.stringify([name])} as jsonb))))`
        : sql<boolean>`i.department = ${name}`,
    );
  }
  return sql.join(c, sql` and `);
}

/**
 * Up to `limit` messages in `(after, upTo]` passing `filter`, in feed order: the first `limit`
 * of each source (each read along its position index), merged.
 */
async function select(executor: Executor, range: { after: number; upTo?: number }, filter: FeedFilter, limit: number): Promise<FeedMessage[]> {
  const where = conditions(range, filter);
  const outbox = sql`(select m.position, m.topic, m.instance_id, m.region, m.payload, i.department
      from outbox m left join instances i on i.id = m.instance_id
      where ${where} ${filter.topic !== undefined ? sql`and m.topic = ${filter.topic}` : sql``}
      order by m.position limit ${limit})`;
  // An audit row's payload names the states left and entered, and the outcome on the event that ends the case.
  const audit = sql`(select m.position, ${CASE_CHANGED} as topic, m.instance_id, m.region,
        jsonb_build_object('instanceId', m.instance_id, 'seq', m.seq, 'type', m.type,
          'from', coalesce(m.payload -> 'from', '""'), 'to', m.payload -> 'to',
          'status', case when m.payload ? 'outcome' then 'done' else 'active' end,
          'outcome', coalesce(m.payload -> 'outcome', 'null')) as payload,
        i.department
      from audit_events m left join instances i on i.id = m.instance_id
      where ${where} and m.position >= (select audit_from from feed_origin)
      order by m.position limit ${limit})`;
  const sources = filter.topic === undefined || filter.topic === CASE_CHANGED ? sql`${outbox} union all ${audit}` : outbox;
  const { rows } = await sql<FeedRow>`
    select f.position, f.topic, f.instance_id, f.region, f.payload, f.department,
      (select jsonb_agg(distinct d) from tasks t, lateral (
         select t.department as d union select jsonb_array_elements_text(t.assignees)) x
       where t.instance_id = f.instance_id and t.status = 'open') as task_departments
    from (${sources}) as f
    order by f.position
    limit ${limit}`.execute(executor);
  return rows.map(toMessage);
}

/** Up to `limit` messages after `position`, in feed order (which may skip positions). */
export function readFeed(executor: Executor, after: number, limit: number): Promise<FeedMessage[]> {
  return select(executor, { after }, {}, limit);
}

/** Messages in `(after, upTo]` that pass `filter`, in feed order; at most `limit`. */
export function replayFeed(executor: Executor, range: { after: number; upTo: number }, filter: FeedFilter, limit: number): Promise<FeedMessage[]> {
  return select(executor, range, filter, limit);
}

/** The last position written so far (0 for an empty feed). */
export async function feedEnd(executor: Executor): Promise<number> {
  const { rows } = await sql<{ position: string | null }>`
    select greatest((select max(position) from outbox), (select max(position) from audit_events)) as position`.execute(executor);
  return Number(rows[0]?.position ?? 0);
}

/**
 * Transactions (by virtual transaction id) other than ours that hold a write lock on the outbox
 * or the audit log right now. A transaction takes that lock before it draws a feed position and
 * keeps it until it ends, so a position not yet visible can only belong to one of these.
 */
export async function feedWriters(executor: Executor): Promise<string[]> {
  const { rows } = await sql<{ vxid: string }>`
    select distinct virtualtransaction as vxid from pg_locks
    where locktype = 'relation' and database = (select oid from pg_database where datname = current_database())
      and relation in (cast('outbox' as regclass), cast('audit_events' as regclass)) and mode = 'RowExclusiveLock' and granted
      and pid is distinct from pg_backend_pid()`.execute(executor);
  return rows.map((r) => r.vxid);
}

/**
 * The feed position a stream's event id names (the decimal position), while its message is kept
 * (outbox rows are pruned some days after delivery; audit rows are kept for years), and only if
 * it concerns `instanceId` when that is given. Anything else names no position.
 */
export async function positionOfEventId(executor: Executor, eventId: string, instanceId?: string): Promise<number | undefined> {
  if (!/^[1-9][0-9]{0,17}$/.test(eventId)) return undefined;
  const ofInstance = instanceId !== undefined ? sql`and instance_id = ${instanceId}` : sql``;
  const { rows } = await sql<{ position: string }>`
    select position from outbox where position = ${eventId} ${ofInstance}
    union all
    select position from audit_events where position = ${eventId} and position >= (select audit_from from feed_origin) ${ofInstance}`.execute(executor);
  return rows[0] ? Number(rows[0].position) : undefined;
}

import { sql } from 'kysely';
import { withApiTables } from '../auth/api-tables.ts';
import type { Executor } from '../storage/database.ts';
import { jsonb } from '../storage/jsonb.ts';
import { rowCondition, type CaseScope } from './case-scope.ts';
import { toPage, type KeysetCursor, type Page } from './keyset-page.ts';

export interface AlertRecord {
  id: string;
  instanceId: string;
  receiptNo: string;
  seq: number;
  region: string;
  department: string;
  level: string;
  clock: string | null;
  rung: number | null;
  dueAt: string | null;
  escalateTo: string | null;
  message: unknown;
  raisedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
}

export interface AlertFilters {
  level?: string;
  acknowledged?: boolean;
  instanceId?: string;
  department?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function baseQuery(executor: Executor) {
  return executor
    .selectFrom('alerts as a')
    .innerJoin('instances as i', 'i.id', 'a.instance_id')
    .select([
      'a.id',
      'a.instance_id',
      'i.receipt_no',
      'a.seq',
      'a.region',
      'a.department',
      'a.level',
      'a.clock',
      'a.rung',
      'a.due_at',
      'a.escalate_to',
      'a.message',
      'a.raised_at',
      'a.acknowledged_at',
      'a.acknowledged_by',
    ]);
}

type AlertRow = Awaited<ReturnType<ReturnType<typeof baseQuery>['execute']>>[number];

const toRecord = (r: AlertRow): AlertRecord => ({
  id: r.id,
  instanceId: r.instance_id,
  receiptNo: r.receipt_no,
  seq: r.seq,
  region: r.region,
  department: r.department,
  level: r.level,
  clock: r.clock,
  rung: r.rung,
  dueAt: r.due_at?.toISOString() ?? null,
  escalateTo: r.escalate_to,
  message: r.message,
  raisedAt: r.raised_at.toISOString(),
  acknowledgedAt: r.acknowledged_at?.toISOString() ?? null,
  acknowledgedBy: r.acknowledged_by,
});

/** Alerts in `scope`, newest first, keyset-paged. */
export async function listAlerts(executor: Executor, scope: CaseScope, filters: AlertFilters, page: { limit: number; after?: KeysetCursor }): Promise<Page<AlertRecord>> {
  let query = baseQuery(executor).where(rowCondition(scope, 'a')).orderBy('a.raised_at', 'desc').orderBy('a.id', 'desc').limit(page.limit + 1);
  if (filters.level) query = query.where('a.level', '=', filters.level);
  if (filters.acknowledged !== undefined) query = query.where('a.acknowledged_at', filters.acknowledged ? 'is not' : 'is', null);
  if (filters.instanceId) query = UUID.test(filters.instanceId) ? query.where('a.instance_id', '=', filters.instanceId.toLowerCase()) : query.where(sql<boolean>`false`);
  if (filters.department) query = query.where('a.department', '=', filters.department);
  if (page.after) {
    const at = new Date(page.after.at);
    query = query.where((eb) => eb.or([eb('a.raised_at', '<', at), eb.and([eb('a.raised_at', '=', at), eb('a.id', '<', page.after!.id)])]));
  }
  const rows = await query.execute();
  return toPage(rows, page.limit, toRecord, (r) => ({ at: r.raised_at.toISOString(), id: r.id }));
}

/** One alert in `scope`, or `undefined` (missing and out of scope look the same). */
export async function findAlert(executor: Executor, id: string, scope: CaseScope): Promise<AlertRecord | undefined> {
  if (!UUID.test(id)) return undefined;
  const row = await baseQuery(executor).where('a.id', '=', id.toLowerCase()).where(rowCondition(scope, 'a')).executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

/**
 * Records an acknowledgement with its comment; the first one also stamps the alert.
 * Returns false when the alert was acknowledged before (the comment is still kept).
 */
export async function acknowledgeAlert(
  executor: Executor,
  alert: { id: string; region: string },
  actor: { id: string; role: string; department?: string },
  comment: string,
  now: number,
): Promise<boolean> {
  await withApiTables(executor)
    .insertInto('alert_acknowledgements')
    .values({ alert_id: alert.id, acknowledged_at: new Date(now), actor: jsonb(actor), comment, region: alert.region })
    .execute();
  const result = await sql`
    update alerts set acknowledged_at = ${new Date(now).toISOString()}, acknowledged_by = ${actor.id}
    where id = ${alert.id} and acknowledged_at is null`.execute(executor);
  return Number(result.numAffectedRows ?? 0) > 0;
}

/** Acknowledgements of one alert, oldest first. */
export async function listAcknowledgements(executor: Executor, alertId: string): Promise<Array<{ at: string; actor: unknown; comment: string }>> {
  const rows = await withApiTables(executor)
    .selectFrom('alert_acknowledgements')
    .select(['acknowledged_at', 'actor', 'comment'])
    .where('alert_id', '=', alertId)
    .orderBy('acknowledged_at')
    .execute();
  return rows.map((r) => ({ at: r.acknowledged_at.toISOString(), actor: r.actor, comment: r.comment }));
}

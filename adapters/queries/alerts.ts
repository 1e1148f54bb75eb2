import { sql } from 'kysely';
import { withAlertTables } from '../alerts/alert-tables.ts';
import type { Executor } from '../storage/database.ts';
import { jsonb } from '../storage/jsonb.ts';
import { rowCondition, type CaseScope } from './case-scope.ts';
import { toPage, type KeysetCursor, type Page } from './keyset-page.ts';

/** An alert: the runtime's row, its case, and what was done about it (acknowledgement, escalation). */
export interface AlertRecord {
  id: string;
  instanceId: string;
  receiptNo: string;
  definitionId: string;
  definitionTitle: { zh: string; en?: string };
  caseStatus: string;
  seq: number;
  region: string;
  department: string;
  level: string;
  clock: string | null;
  rung: number | null;
  dueAt: string | null;
  escalateTo: string | null;
  message: { zh: string; en?: string };
  raisedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  escalatedAt: string | null;
  escalatedTo: string | null;
}

/** `open`: nobody acknowledged it yet (escalated or not); `escalated`: escalated and still open. */
export type AlertStatus = 'open' | 'escalated' | 'acknowledged' | 'all';

export interface AlertFilters {
  status?: AlertStatus;
  level?: string;
  department?: string;
  instanceId?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function baseQuery(executor: Executor) {
  return withAlertTables(executor)
    .selectFrom('alerts as a')
    .innerJoin('instances as i', 'i.id', 'a.instance_id')
    .innerJoin('definitions as d', (join) => join.onRef('d.id', '=', 'i.definition_id').onRef('d.version', '=', 'i.definition_version'))
    .select([
      'a.id',
      'a.instance_id',
      'i.receipt_no',
      'i.definition_id',
      'd.title',
      'i.status',
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
      'a.escalated_at',
      'a.escalated_to',
    ]);
}

type Row = Awaited<ReturnType<ReturnType<typeof baseQuery>['execute']>>[number];

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

const toRecord = (r: Row): AlertRecord => ({
  id: r.id,
  instanceId: r.instance_id,
  receiptNo: r.receipt_no,
  definitionId: r.definition_id,
  definitionTitle: r.title,
  caseStatus: r.status,
  seq: r.seq,
  region: r.region,
  department: r.department,
  level: r.level,
  clock: r.clock,
  rung: r.rung,
  dueAt: iso(r.due_at),
  escalateTo: r.escalate_to,
  message: r.message as { zh: string; en?: string },
  raisedAt: r.raised_at.toISOString(),
  acknowledgedAt: iso(r.acknowledged_at),
  acknowledgedBy: r.acknowledged_by,
  escalatedAt: iso(r.escalated_at),
  escalatedTo: r.escalated_to,
});

/** Alerts in `scope`, newest first, keyset-paged. */
export async function listAlerts(executor: Executor, scope: CaseScope, filters: AlertFilters, page: { limit: number; after?: KeysetCursor }): Promise<Page<AlertRecord>> {
  let query = baseQuery(executor).where(rowCondition(scope, 'a')).orderBy('a.raised_at', 'desc').orderBy('a.id', 'desc').limit(page.limit + 1);
  if (filters.status === 'open') query = query.where('a.acknowledged_at', 'is', null);
  if (filters.status === 'escalated') query = query.where('a.acknowledged_at', 'is', null).where('a.escalated_at', 'is not', null);
  if (filters.status === 'acknowledged') query = query.where('a.acknowledged_at', 'is not', null);
  if (filters.level) query = query.where('a.level', '=', filters.level);
  if (filters.department) query = query.where('a.department', '=', filters.department);
  if (filters.instanceId) query = UUID.test(filters.instanceId) ? query.where('a.instance_id', '=', filters.instanceId.toLowerCase()) : query.where(sql<boolean>`false`);
  if (page.after) {
    const at = new Date(page.after.at);
    query = query.where((eb) => eb.or([eb('a.raised_at', '<', at), eb.and([eb('a.raised_at', '=', at), eb('a.id', '<', page.after!.id)])]));
  }
  return toPage(await query.execute(), page.limit, toRecord, (r) => ({ at: r.raised_at.toISOString(), id: r.id }));
}

/** One alert in `scope`, or `undefined` (missing and out of scope look the same). */
export async function findAlert(executor: Executor, id: string, scope: CaseScope): Promise<AlertRecord | undefined> {
  if (!UUID.test(id)) return undefined;
  const row = await baseQuery(executor).where('a.id', '=', id.toLowerCase()).where(rowCondition(scope, 'a')).executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

/**
 * Records an acknowledgement with its comment; the first one also stamps the alert. Either way an
 * `alert` outbox message (`change: 'acknowledged'`, or `'commented'` after the first) tells live
 * streams. Returns false when the alert was acknowledged before (the comment is still kept).
 */
export async function acknowledgeAlert(
  executor: Executor,
  alert: Pick<AlertRecord, 'id' | 'instanceId' | 'seq' | 'region' | 'level'>,
  actor: { id: string; role: string; department?: string },
  comment: string,
  now: number,
): Promise<boolean> {
  const at = new Date(now);
  const db = withAlertTables(executor);
  const ack = await db
    .insertInto('alert_acknowledgements')
    .values({ alert_id: alert.id, acknowledged_at: at, actor: jsonb(actor), comment, region: alert.region })
    .returning('id')
    .executeTakeFirstOrThrow();
  const result = await sql`
    update alerts set acknowledged_at = ${at.toISOString()}, acknowledged_by = ${actor.id}
    where id = ${alert.id} and acknowledged_at is null`.execute(executor);
  const first = Number(result.numAffectedRows ?? 0) > 0;
  await executor
    .insertInto('outbox')
    .values({
      idempotency_key: `alert:${alert.id}:acknowledgement:${ack.id}`,
      instance_id: alert.instanceId,
      region: alert.region,
      topic: 'alert',
      payload: jsonb({
        alertId: alert.id,
        seq: alert.seq,
        change: first ? 'acknowledged' : 'commented',
        level: alert.level,
        acknowledgedBy: actor.id,
        acknowledgedAt: at.toISOString(),
      }),
    })
    .execute();
  return first;
}

/** Acknowledgements of one alert, oldest first. */
export async function listAcknowledgements(executor: Executor, alertId: string): Promise<Array<{ at: string; actor: unknown; comment: string }>> {
  const rows = await withAlertTables(executor)
    .selectFrom('alert_acknowledgements')
    .select(['acknowledged_at', 'actor', 'comment'])
    .where('alert_id', '=', alertId)
    .orderBy('acknowledged_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ at: r.acknowledged_at.toISOString(), actor: r.actor, comment: r.comment }));
}

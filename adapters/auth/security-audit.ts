import { sql } from 'kysely';
import type { Executor } from '../storage/database.ts';
import { jsonb } from '../storage/jsonb.ts';
import { regionCondition } from '../queries/region-scope.ts';
import { withApiTables } from './api-tables.ts';

/** One refused request, or one grant of access, as the security audit keeps it. */
export interface SecurityEvent {
  outcome: 'denied' | 'granted';
  occurredAt: number;
  requestId?: string;
  /** Who asked: token id, name, role, department, region; absent when unauthenticated. */
  actor?: Record<string, unknown>;
  region?: string;
  method: string;
  path: string;
  /** The operation, e.g. `GET /api/v1/instances/{id}` or `token.create`. */
  action: string;
  resource?: string;
  status: number;
  code: string;
  /** Why, in words: zh-CN first, English after. */
  reason: string;
  ip?: string;
}

export interface SecurityEventRow extends Omit<SecurityEvent, 'occurredAt'> {
  id: string;
  occurredAt: string;
}

/** Appends one row. The table refuses updates and deletes. */
export async function recordSecurityEvent(executor: Executor, event: SecurityEvent): Promise<void> {
  await withApiTables(executor)
    .insertInto('security_audit')
    .values({
      occurred_at: new Date(event.occurredAt),
      outcome: event.outcome,
      request_id: event.requestId ?? null,
      actor: event.actor ? jsonb(event.actor) : null,
      region: event.region ?? null,
      method: event.method.slice(0, 16),
      path: event.path.slice(0, 2000),
      action: event.action.slice(0, 200),
      resource: event.resource?.slice(0, 400) ?? null,
      status: event.status,
      code: event.code,
      reason: event.reason.slice(0, 2000),
      ip: event.ip ?? null,
    })
    .execute();
}

/**
 * Security events newest first, `before` an id (exclusive) for paging. Rows of callers in
 * `region` and rows without a known caller (bad or missing credentials) are included.
 */
export async function listSecurityEvents(
  executor: Executor,
  options: { region: string; before?: string; limit: number; outcome?: 'denied' | 'granted' },
): Promise<SecurityEventRow[]> {
  let query = withApiTables(executor)
    .selectFrom('security_audit')
    .selectAll()
    .where((eb) => eb.or([eb('region', 'is', null), regionCondition('region', options.region)]))
    .orderBy('id', 'desc')
    .limit(options.limit);
  if (options.before !== undefined) query = query.where('id', '<', sql<string>`cast(${options.before} as bigint)`);
  if (options.outcome !== undefined) query = query.where('outcome', '=', options.outcome);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: String(r.id),
    occurredAt: r.occurred_at.toISOString(),
    outcome: r.outcome,
    ...(r.request_id !== null ? { requestId: r.request_id } : {}),
    ...(r.actor !== null ? { actor: r.actor } : {}),
    ...(r.region !== null ? { region: r.region } : {}),
    method: r.method,
    path: r.path,
    action: r.action,
    ...(r.resource !== null ? { resource: r.resource } : {}),
    status: r.status,
    code: r.code,
    reason: r.reason,
    ...(r.ip !== null ? { ip: r.ip } : {}),
  }));
}

import { acknowledgeAlert, findAlert, listAcknowledgements, listAlerts, type AlertRecord } from '../../../adapters/queries/alerts.ts';
import type { ApiDeps } from '../api-deps.ts';
import { ApiError, notFound } from '../api-error.ts';
import { actorOf, type StaffPrincipal } from '../auth/principal.ts';
import { staffOf, type RouteRegistry } from '../routing/route-registry.ts';
import { bodySchema, querySchema } from '../routing/schema.ts';
import { alertView } from '../views/instance-view.ts';
import { DEPARTMENT_PATTERN, STATE_PATTERN, UUID_PATTERN, decodeCursor, encodeCursor, ok, pageQuery, pageSchema, params } from './common.ts';
import { scopeOf } from './case-access.ts';

type AlertQuery = { level?: string; acknowledged?: boolean; instanceId?: string; department?: string; limit: number; cursor?: string };

const alertQuery = querySchema<AlertQuery>('AlertListQuery', {
  type: 'object',
  additionalProperties: false,
  properties: {
    level: { type: 'string', pattern: STATE_PATTERN, description: 'reminder | yellow-card | red-card | step-overdue | …' },
    acknowledged: { type: 'boolean' },
    instanceId: { type: 'string', pattern: UUID_PATTERN },
    department: { type: 'string', pattern: DEPARTMENT_PATTERN },
    ...pageQuery,
  },
});

const ackBody = bodySchema<{ comment: string }>('AcknowledgeAlert', {
  type: 'object',
  additionalProperties: false,
  required: ['comment'],
  properties: { comment: { type: 'string', minLength: 1, maxLength: 2000, description: '处理意见 what was done about it' } },
});

const alertNotFound = { zh: '预警', en: 'alert' };

/** The alert as the principal may see it; out of scope answers exactly like missing (404). */
async function loadAlert(deps: ApiDeps, principal: StaffPrincipal, id: string): Promise<AlertRecord> {
  const alert = await findAlert(deps.db, id, scopeOf(principal));
  if (alert) return alert;
  const exists = await deps.db.selectFrom('alerts').select('department').where('id', '=', id.toLowerCase()).executeTakeFirst();
  throw notFound(alertNotFound, exists ? { reason: `alert of department ${exists.department} is outside the caller's scope`, resource: id } : undefined);
}

/** Supervision alerts in the caller's scope, and their acknowledgement (pushed live on the alert streams). */
export function registerAlertRoutes(routes: RouteRegistry): void {
  routes.add(
    {
      method: 'get',
      path: '/api/v1/alerts',
      operationId: 'listAlerts',
      tag: 'alerts',
      summary: { zh: '预警列表（本部门，或监察/审计人员的本区域）', en: 'Alerts (own department, or own region for supervisors and auditors)' },
      access: { kind: 'staff', capability: 'alert.read' },
      query: alertQuery,
      responses: [ok({ zh: '一页预警，最新的在前', en: 'a page of alerts, newest first' }, pageSchema({ type: 'object' }))],
    },
    async (ctx) => {
      const { limit, cursor, acknowledged, ...filters } = ctx.query;
      const after = decodeCursor(cursor);
      const status = acknowledged === undefined ? undefined : acknowledged ? 'acknowledged' : 'open';
      const page = await listAlerts(ctx.deps.db, scopeOf(staffOf(ctx)), { ...filters, ...(status ? { status } : {}) }, { limit, ...(after ? { after } : {}) });
      return ctx.c.json({ items: page.items.map(alertView), next: encodeCursor(page.next) });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/alerts/{alertId}',
      operationId: 'getAlert',
      tag: 'alerts',
      summary: { zh: '一条预警及其处理记录', en: 'One alert and its acknowledgements' },
      access: { kind: 'staff', capability: 'alert.read' },
      params: { alertId: params.alertId },
      responses: [ok({ zh: '预警', en: 'the alert' }), { status: 404, description: { zh: '未找到', en: 'not found' } }],
    },
    async (ctx) => {
      const alert = await loadAlert(ctx.deps, staffOf(ctx), ctx.params['alertId']!);
      ctx.c.set('instanceId', alert.instanceId);
      return ctx.c.json({ ...alertView(alert), acknowledgements: await listAcknowledgements(ctx.deps.db, alert.id) });
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/v1/alerts/{alertId}/acknowledge',
      operationId: 'acknowledgeAlert',
      tag: 'alerts',
      summary: { zh: '签收预警并填写处理意见（部门负责人、首席代表、监察人员）', en: 'Acknowledge an alert with a comment (department head, chief representative, supervisor)' },
      access: { kind: 'staff', capability: 'alert.acknowledge' },
      params: { alertId: params.alertId },
      body: { kind: 'json', schema: ackBody },
      responses: [ok({ zh: '已签收', en: 'acknowledged' }), { status: 404, description: { zh: '未找到', en: 'not found' } }, { status: 409, description: { zh: '已被签收（意见仍已记录）', en: 'already acknowledged (the comment is still kept)' } }],
    },
    async (ctx) => {
      const principal = staffOf(ctx);
      const { deps } = ctx;
      const alert = await loadAlert(deps, principal, ctx.params['alertId']!);
      ctx.c.set('instanceId', alert.instanceId);
      const first = await deps.db.transaction().execute((trx) => acknowledgeAlert(trx, alert, actorOf(principal), ctx.body.comment, deps.clock.now()));
      deps.afterCommit?.();
      if (!first) {
        throw new ApiError('ALREADY_ACKNOWLEDGED', `预警已由 ${alert.acknowledgedBy ?? '他人'} 签收，意见已追加 already acknowledged by ${alert.acknowledgedBy ?? 'someone else'}; your comment was added`);
      }
      const updated = await findAlert(deps.db, alert.id, scopeOf(principal));
      return ctx.c.json({ ...alertView(updated ?? alert), acknowledgements: await listAcknowledgements(deps.db, alert.id) });
    },
  );
}

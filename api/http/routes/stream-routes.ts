import { outboxSince } from '../../../adapters/queries/find-instance.ts';
import { regionCovers } from '../../../adapters/queries/region-scope.ts';
import { caseScopeOf } from '../auth/policy.ts';
import type { StaffPrincipal } from '../auth/principal.ts';
import { staffOf, type RouteRegistry } from '../routing/route-registry.ts';
import { sseStream } from '../streams/sse-stream.ts';
import type { RoutedMessage, StreamHub } from '../streams/stream-hub.ts';
import { params } from './common.ts';
import { loadCase } from './case-access.ts';

const eventStream = { status: 200, description: { zh: 'Server-Sent Events 事件流', en: 'Server-Sent Events stream' }, media: 'text/event-stream' };

/** True when a message about a case concerns the principal's department (owner or task holder) in their region. */
function concernsDepartment(principal: StaffPrincipal, m: RoutedMessage): boolean {
  return regionCovers(principal.region, m.region) && (m.department === principal.department || m.taskDepartments.includes(principal.department));
}

/** True when an alert is one the principal's alert list shows: the region's, or the own department's. */
function alertInScope(principal: StaffPrincipal, m: RoutedMessage): boolean {
  const scope = caseScopeOf(principal);
  return regionCovers(principal.region, m.region) && (scope.kind === 'region' || m.department === principal.department);
}

/** Live progress over SSE: one case, a department's tasks, the alerts in scope. */
export function registerStreamRoutes(routes: RouteRegistry, hub: StreamHub): void {
  routes.add(
    {
      method: 'get',
      path: '/api/v1/streams/instances/{id}',
      operationId: 'streamInstance',
      tag: 'streams',
      summary: { zh: '实时推送：单个办件的进展', en: 'Live: progress of one case' },
      description: {
        zh: '先发送 ready 事件，然后是 instance.changed、alert、notify 事件；事件 id 为发件箱幂等键。重连时带 Last-Event-ID 可补发错过的事件。',
        en: 'Sends `ready` first, then instance.changed, alert and notify events; the event id is the outbox idempotency key. Reconnecting with Last-Event-ID replays what was missed.',
      },
      access: { kind: 'staff', capability: 'case.read' },
      params: { id: params.id },
      responses: [eventStream, { status: 404, description: { zh: '未找到', en: 'not found' } }],
    },
    async (ctx) => {
      const row = await loadCase(ctx.deps, staffOf(ctx), ctx.params['id']!);
      ctx.c.set('instanceId', row.id);
      const resume = /^([0-9a-f-]{36}):(\d{1,9}):(\d{1,4})$/.exec(ctx.c.req.header('last-event-id') ?? '');
      const replay =
        resume && resume[1] === row.id
          ? async () =>
              (await outboxSince(ctx.deps.db, row.id, { seq: Number(resume[2]), n: Number(resume[3]) })).map((m) => ({
                ...m,
                instanceId: row.id,
                department: row.department,
                taskDepartments: [],
              }))
          : undefined;
      return sseStream(ctx.c, { hub, accepts: (m) => m.instanceId === row.id, ready: { instanceId: row.id, version: row.version }, ...(replay ? { replay } : {}) });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/streams/tasks',
      operationId: 'streamDepartmentTasks',
      tag: 'streams',
      summary: { zh: '实时推送：本部门待办的变化', en: 'Live: changes to my department\'s tasks' },
      access: { kind: 'staff', capability: 'worklist' },
      responses: [eventStream],
    },
    (ctx) => {
      const principal = staffOf(ctx);
      return sseStream(ctx.c, {
        hub,
        accepts: (m) => m.topic === 'instance.changed' && concernsDepartment(principal, m),
        render: (m) => ({ event: 'tasks.changed', data: { instanceId: m.instanceId, seq: m.payload['seq'], to: m.payload['to'], status: m.payload['status'] } }),
        ready: { department: principal.department, region: principal.region },
      });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/streams/alerts',
      operationId: 'streamAlerts',
      tag: 'streams',
      summary: { zh: '实时推送：范围内的全部预警', en: 'Live: every alert in scope' },
      access: { kind: 'staff', capability: 'alert.read' },
      responses: [eventStream],
    },
    (ctx) => {
      const principal = staffOf(ctx);
      return sseStream(ctx.c, { hub, accepts: (m) => m.topic === 'alert' && alertInScope(principal, m), ready: { scope: caseScopeOf(principal) } });
    },
  );
}

import { regionCovers } from '../../../adapters/queries/region-scope.ts';
import { caseScopeOf } from '../auth/policy.ts';
import type { StaffPrincipal } from '../auth/principal.ts';
import { staffOf, type RouteRegistry } from '../routing/route-registry.ts';
import { CASE_CHANGED, positionOfEventId, replayFeed, type FeedFilter, type FeedMessage } from '../streams/feed.ts';
import { sseStream, type Replay, type StreamOptions } from '../streams/sse-stream.ts';
import type { StreamHub } from '../streams/stream-hub.ts';
import type { ApiDeps } from '../api-deps.ts';
import { params } from './common.ts';
import { loadCase } from './case-access.ts';

const eventStream = { status: 200, description: { zh: 'Server-Sent Events 事件流', en: 'Server-Sent Events stream' }, media: 'text/event-stream' };

/** More missed messages than this, and the client is told to reload (`resync`) instead. */
const REPLAY_LIMIT = 1000;

/** True when a message about a case concerns the principal's department (owner or task holder) in their region. */
function concernsDepartment(principal: StaffPrincipal, m: FeedMessage): boolean {
  return regionCovers(principal.region, m.region) && (m.department === principal.department || m.taskDepartments.includes(principal.department));
}

/** True when an alert is one the principal's alert list shows: the region's, or the own department's. */
function alertInScope(principal: StaffPrincipal, m: FeedMessage): boolean {
  const scope = caseScopeOf(principal);
  return regionCovers(principal.region, m.region) && (scope.kind === 'region' || m.department === principal.department);
}

/**
 * What a client missed after the message `lastEventId` (an event id: a feed position), up to feed
 * position `start`, as `filter` and `accepts` select it. A message no longer kept (or never seen)
 * cannot be resumed from.
 */
async function replaySince(
  deps: ApiDeps,
  lastEventId: string,
  start: number,
  filter: FeedFilter,
  accepts: (m: FeedMessage) => boolean,
): Promise<Replay> {
  const from = await positionOfEventId(deps.db, lastEventId, filter.instanceId);
  if (from === undefined || from > start) return { resync: 'LAST_EVENT_UNKNOWN' };
  const missed = await replayFeed(deps.db, { after: from, upTo: start }, filter, REPLAY_LIMIT + 1);
  return missed.length > REPLAY_LIMIT ? { resync: 'TOO_MANY_MISSED' } : { messages: missed.filter(accepts) };
}

/** A stream's replay: what was missed after the request's `Last-Event-ID`, when it sent one. */
function resumeFrom(deps: ApiDeps, lastEventId: string | undefined, filter: FeedFilter, accepts: (m: FeedMessage) => boolean): Pick<StreamOptions, 'replay'> {
  return lastEventId === undefined ? {} : { replay: (start) => replaySince(deps, lastEventId, start, filter, accepts) };
}

const resumeNote = {
  zh: '先发送 ready 事件；事件 id 为该消息在推送序列中的位置。重连时带 Last-Event-ID 可按顺序补发错过的事件（只含本范围、不重复），无法续传时先发送 resync 事件。',
  en: 'Sends `ready` first; the event id is the position of the message in the feed. Reconnecting with Last-Event-ID replays what was missed, in order, within scope and without repeats, or sends `resync` when it cannot.',
};

/** Live progress over SSE: one case, a department's tasks, the alerts in scope. */
export function registerStreamRoutes(routes: RouteRegistry, hub: StreamHub): void {
  routes.add(
    {
      method: 'get',
      path: '/api/v1/streams/instances/{id}',
      operationId: 'streamInstance',
      tag: 'streams',
      summary: { zh: '实时推送：单个办件的进展', en: 'Live: progress of one case' },
      description: resumeNote,
      access: { kind: 'staff', capability: 'case.read' },
      params: { id: params.id },
      responses: [eventStream, { status: 404, description: { zh: '未找到', en: 'not found' } }],
    },
    async (ctx) => {
      const { deps } = ctx;
      const row = await loadCase(deps, staffOf(ctx), ctx.params['id']!);
      ctx.c.set('instanceId', row.id);
      const accepts = (m: FeedMessage) => m.instanceId === row.id;
      return sseStream(ctx.c, {
        hub,
        accepts,
        ready: { instanceId: row.id, version: row.version },
        ...resumeFrom(deps, ctx.c.req.header('last-event-id'), { instanceId: row.id }, accepts),
      });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/streams/tasks',
      operationId: 'streamDepartmentTasks',
      tag: 'streams',
      summary: { zh: '实时推送：本部门待办的变化', en: 'Live: changes to my department\'s tasks' },
      description: resumeNote,
      access: { kind: 'staff', capability: 'worklist' },
      responses: [eventStream],
    },
    (ctx) => {
      const principal = staffOf(ctx);
      const accepts = (m: FeedMessage) => m.topic === CASE_CHANGED && concernsDepartment(principal, m);
      const filter: FeedFilter = { topic: CASE_CHANGED, region: principal.region, department: { name: principal.department, orTaskHolder: true } };
      return sseStream(ctx.c, {
        hub,
        accepts,
        render: (m) => ({ event: 'tasks.changed', data: { instanceId: m.instanceId, seq: m.payload['seq'], to: m.payload['to'], status: m.payload['status'] } }),
        ready: { department: principal.department, region: principal.region },
        ...resumeFrom(ctx.deps, ctx.c.req.header('last-event-id'), filter, accepts),
      });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/streams/alerts',
      operationId: 'streamAlerts',
      tag: 'streams',
      summary: { zh: '实时推送：范围内的全部预警（产生、上报、签收）', en: 'Live: every alert in scope (raised, escalated, acknowledged)' },
      description: resumeNote,
      access: { kind: 'staff', capability: 'alert.read' },
      responses: [eventStream],
    },
    (ctx) => {
      const principal = staffOf(ctx);
      const scope = caseScopeOf(principal);
      const accepts = (m: FeedMessage) => m.topic === 'alert' && alertInScope(principal, m);
      const filter: FeedFilter = {
        topic: 'alert',
        region: principal.region,
        ...(scope.kind === 'region' ? {} : { department: { name: principal.department, orTaskHolder: false } }),
      };
      return sseStream(ctx.c, {
        hub,
        accepts,
        ready: { scope },
        ...resumeFrom(ctx.deps, ctx.c.req.header('last-event-id'), filter, accepts),
      });
    },
  );
}

import { randomUUID } from 'node:crypto';
import { isAdapterError } from '../../../adapters/errors.ts';
import { verifyAudit } from '../../../adapters/audit/verify-audit.ts';
import { listAlerts } from '../../../adapters/queries/alerts.ts';
import { listAuditEntries } from '../../../adapters/queries/audit-trail.ts';
import { listInstanceTasks } from '../../../adapters/queries/list-tasks.ts';
import { searchInstances, type InstanceFilters } from '../../../adapters/queries/search-instances.ts';
import { ApiError, notFound } from '../api-error.ts';
import { actorOf } from '../auth/principal.ts';
import { staffOf, type RouteRegistry } from '../routing/route-registry.ts';
import { bodySchema, querySchema } from '../routing/schema.ts';
import { instanceView } from '../views/instance-view.ts';
import { maskStrings, personalData } from '../views/mask.ts';
import {
  DEFINITION_ID_PATTERN,
  DEPARTMENT_PATTERN,
  RECEIPT_PATTERN,
  STATE_PATTERN,
  commandResultSchema,
  decodeCursor,
  encodeCursor,
  idempotencyHeader,
  ok,
  pageQuery,
  pageSchema,
  params,
} from './common.ts';
import { commandView, loadCase, partyOfDefinition, refuseServerOwnedData, scopeOf, scopedKey, startCase } from './case-access.ts';

interface StartBody {
  definition: string;
  version?: number;
  data: Record<string, unknown>;
  businessKey?: string;
}

const startBody = bodySchema<StartBody>('StartInstance', {
  type: 'object',
  additionalProperties: false,
  required: ['definition', 'data'],
  properties: {
    definition: { type: 'string', pattern: DEFINITION_ID_PATTERN, description: '流程定义标识 definition id' },
    version: { type: 'integer', minimum: 1, maximum: 2147483647, description: '默认最新版本 default: newest' },
    data: { type: 'object', description: '申请数据，按定义的 data 模式校验 instance data, checked against the definition' },
    businessKey: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]+$', description: '业务编号（同一流程内唯一）business key, unique per definition' },
  },
});

type SearchQuery = InstanceFilters & { limit: number; cursor?: string };

const searchQuery = querySchema<SearchQuery>('SearchInstancesQuery', {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { enum: ['active', 'done'] },
    definition: { type: 'string', pattern: DEFINITION_ID_PATTERN },
    state: { type: 'string', pattern: STATE_PATTERN, description: '当前所处环节 a state the case is in' },
    receiptNo: { type: 'string', pattern: RECEIPT_PATTERN },
    department: { type: 'string', pattern: DEPARTMENT_PATTERN },
    outcome: { type: 'string', pattern: STATE_PATTERN },
    createdFrom: { type: 'string', format: 'date-time' },
    createdTo: { type: 'string', format: 'date-time' },
    ...pageQuery,
  },
});

export interface EventBody {
  payload?: Record<string, unknown>;
  expectedVersion?: number;
}

export const eventBody = bodySchema<EventBody>('SendEvent', {
  type: 'object',
  additionalProperties: false,
  properties: {
    payload: { type: 'object', description: '事件数据，按定义中该事件的 payload 模式校验 event payload, checked against the definition' },
    expectedVersion: { type: 'integer', minimum: 1, maximum: 2147483647, description: '乐观并发：实例须处于此版本 optimistic concurrency: the instance must be at this version' },
  },
});

/** Events the engine raises or that have their own endpoints are not sent through the generic one. */
export function refuseReservedEvent(event: string): void {
  if (event.startsWith('govflow.') || event.startsWith('task.')) {
    throw new ApiError('RESERVED_EVENT', `事件 '${event}' 不能直接发送 event '${event}' cannot be sent here; task operations have their own endpoints`, [{ path: '/event', message: 'reserved' }]);
  }
}

const caseResponses = [ok({ zh: '办件当前状态', en: 'where the case is now' }, commandResultSchema), { status: 404, description: { zh: '未找到（或不在本部门/区域）', en: 'not found (or outside your department/region)' } }];

/** Start, search, read, and move cases; their audit trail. */
export function registerInstanceRoutes(routes: RouteRegistry): void {
  routes.add(
    {
      method: 'post',
      path: '/api/v1/instances',
      operationId: 'startInstance',
      tag: 'instances',
      summary: { zh: '窗口受理：创建办件（本部门流程）', en: 'Start a case (own department\'s process)' },
      description: { zh: '返回受理编号与查询码；查询码只在此时显示一次。', en: 'Returns the receipt number and the verification code; the code is shown this once.' },
      access: { kind: 'staff', capability: 'case.start' },
      body: { kind: 'json', schema: startBody },
      headers: [idempotencyHeader],
      responses: [ok({ zh: '已创建', en: 'created' }, commandResultSchema, 201), { status: 422, description: { zh: '申请数据无效', en: 'invalid data' } }],
    },
    async (ctx) => {
      const { deps, body, c } = ctx;
      const principal = staffOf(ctx);
      const def = await (body.version !== undefined ? deps.catalog.compiled(body.definition, body.version) : deps.catalog.latest(body.definition)).catch((error: unknown) => {
        if (isAdapterError(error, 'DEFINITION_NOT_FOUND')) return undefined;
        throw error;
      });
      if (!def || def.department !== principal.department) {
        throw notFound({ zh: '流程定义', en: 'definition' }, def ? { reason: `definition of department ${def.department}`, resource: body.definition } : undefined);
      }
      refuseServerOwnedData(def, body.data);
      const { result, verificationCode } = await startCase(deps, def, {
        data: body.data,
        actor: actorOf(principal),
        region: principal.region,
        instanceId: randomUUID(),
        party: partyOfDefinition(def) ?? 'applicant',
        ...(ctx.headers['idempotency-key'] !== undefined ? { idempotencyKey: scopedKey(principal, ctx.headers['idempotency-key']) } : {}),
        ...(body.businessKey !== undefined ? { businessKey: body.businessKey } : {}),
      });
      c.set('instanceId', result.instanceId);
      c.header('Location', `/api/v1/instances/${result.instanceId}`);
      return c.json({ ...commandView(result), verificationCode }, result.duplicate ? 200 : 201);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/instances',
      operationId: 'searchInstances',
      tag: 'instances',
      summary: { zh: '检索办件（本部门，或监察/审计人员的本区域）', en: 'Search cases (own department, or own region for supervisors and auditors)' },
      description: { zh: '列表中的个人信息一律脱敏。', en: 'Personal data in lists is always masked.' },
      access: { kind: 'staff', capability: 'case.read' },
      query: searchQuery,
      responses: [ok({ zh: '一页办件', en: 'a page of cases' }, pageSchema({ type: 'object' }))],
    },
    async (ctx) => {
      const { limit, cursor, ...filters } = ctx.query;
      const after = decodeCursor(cursor);
      const page = await searchInstances(ctx.deps.db, scopeOf(staffOf(ctx)), filters, { limit, ...(after ? { after } : {}) });
      return ctx.c.json({ items: page.items.map((i) => maskStrings(i)), next: encodeCursor(page.next) });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/instances/{id}',
      operationId: 'getInstance',
      tag: 'instances',
      summary: { zh: '办件详情：环节、时限（到期与剩余）、待办任务、预警', en: 'A case: state, clocks (due and remaining), open tasks, alerts' },
      access: { kind: 'staff', capability: 'case.read' },
      params: { id: params.id },
      responses: [ok({ zh: '办件', en: 'the case' }), caseResponses[1]!],
    },
    async (ctx) => {
      const { deps, c } = ctx;
      const principal = staffOf(ctx);
      const row = await loadCase(deps, principal, ctx.params['id']!);
      c.set('instanceId', row.id);
      const def = await deps.catalog.compiled(row.definitionId, row.definitionVersion);
      const [tasks, alerts] = await Promise.all([
        listInstanceTasks(deps.db, row.id, { openOnly: true }),
        listAlerts(deps.db, { kind: 'instance', instanceId: row.id }, {}, { limit: 200 }),
      ]);
      return c.json(instanceView(def, row, { tasks, alerts: alerts.items, now: deps.clock.now(), whole: row.owned }));
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/instances/{id}/audit',
      operationId: 'getInstanceAudit',
      tag: 'instances',
      summary: { zh: '办件审计轨迹及哈希链校验结果', en: 'Audit trail of a case and its hash-chain verification' },
      access: { kind: 'staff', capability: 'case.read' },
      params: { id: params.id },
      responses: [ok({ zh: '审计轨迹', en: 'the trail' }), caseResponses[1]!],
    },
    async (ctx) => {
      const { deps, c } = ctx;
      const row = await loadCase(deps, staffOf(ctx), ctx.params['id']!);
      c.set('instanceId', row.id);
      const [entries, verification] = await Promise.all([listAuditEntries(deps.db, row.id), verifyAudit(deps.db, { instanceId: row.id })]);
      return c.json({
        instanceId: row.id,
        receiptNo: row.receiptNo,
        personalDataMasked: !row.owned,
        verification: { ok: verification.ok, events: verification.events, problems: verification.problems, algorithm: 'sm3' },
        events: personalData(entries, row.owned),
      });
    },
  );

  routes.add<EventBody>(
    {
      method: 'post',
      path: '/api/v1/instances/{id}/events/{event}',
      operationId: 'sendEvent',
      tag: 'instances',
      summary: { zh: '办理：向办件发送流程事件', en: 'Act on a case: send a process event' },
      description: { zh: '谁能发送由流程定义中的角色决定；任务操作请用 /tasks 下的接口。', en: 'Who may send what is the definition\'s rule; task operations have their own endpoints.' },
      access: { kind: 'staff', capability: 'case.act' },
      params: { id: params.id, event: params.event },
      body: { kind: 'json', schema: eventBody },
      headers: [idempotencyHeader],
      responses: caseResponses,
    },
    async (ctx) => {
      const { deps, c, body } = ctx;
      const principal = staffOf(ctx);
      const event = ctx.params['event']!;
      refuseReservedEvent(event);
      const row = await loadCase(deps, principal, ctx.params['id']!);
      c.set('instanceId', row.id);
      const result = await deps.runtime.send(row.id, event, {
        actor: actorOf(principal),
        ...(body.payload !== undefined ? { payload: body.payload } : {}),
        ...(body.expectedVersion !== undefined ? { expectedVersion: body.expectedVersion } : {}),
        ...(ctx.headers['idempotency-key'] !== undefined ? { idempotencyKey: scopedKey(principal, ctx.headers['idempotency-key']) } : {}),
      });
      deps.afterCommit?.();
      return c.json(commandView(result));
    },
  );
}

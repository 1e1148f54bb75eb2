import { listWorklist } from '../../../adapters/queries/list-tasks.ts';
import { TASK_OPERATION_PAYLOADS } from '../../../engine/step/task-operations.ts';
import { actorOf } from '../auth/principal.ts';
import type { Capability } from '../auth/policy.ts';
import { staffOf, type RouteRegistry } from '../routing/route-registry.ts';
import { bodySchema, querySchema, type JsonSchema } from '../routing/schema.ts';
import type { Text } from '../routing/route-spec.ts';
import { taskView } from '../views/instance-view.ts';
import { DEFINITION_ID_PATTERN, commandResultSchema, decodeCursor, encodeCursor, idempotencyHeader, ok, pageQuery, pageSchema, params } from './common.ts';
import { commandView, loadCase, scopedKey } from './case-access.ts';

const expectedVersion = { type: 'integer', minimum: 1, maximum: 2147483647, description: '乐观并发：实例须处于此版本 the instance must be at this version' };

/**
 * A body schema for a built-in task operation: the engine's own payload schema, without the
 * `task` field (it is in the path) and with `expectedVersion`.
 */
function operationBody(op: string, name: string) {
  const engine = TASK_OPERATION_PAYLOADS[`task.${op}`] as JsonSchema & { properties: Record<string, unknown> };
  const { task: _task, ...properties } = engine.properties;
  const schema: JsonSchema = { ...engine, properties: { ...properties, expectedVersion } };
  if (op === 'transfer') {
    // Without `task` the engine's minProperties would accept a body that only names the version.
    delete schema['minProperties'];
    schema['anyOf'] = [{ required: ['toDepartment'] }, { required: ['toUser'] }];
  }
  return bodySchema<Record<string, unknown> & { expectedVersion?: number }>(name, schema);
}

const OPERATIONS: Array<{ op: string; schema: string; summary: Text; capability: Capability }> = [
  { op: 'claim', schema: 'ClaimTask', summary: { zh: '签收任务', en: 'Claim a task' }, capability: 'case.act' },
  { op: 'transfer', schema: 'TransferTask', summary: { zh: '转办（转给其他部门或人员）', en: 'Transfer a task to another department or person' }, capability: 'case.act' },
  { op: 'delegate', schema: 'DelegateTask', summary: { zh: '委托他人办理', en: 'Delegate a task' }, capability: 'case.act' },
  { op: 'urge', schema: 'UrgeTask', summary: { zh: '催办', en: 'Urge a task' }, capability: 'task.urge' },
  { op: 'copy', schema: 'CopyTask', summary: { zh: '抄送', en: 'Copy a task to others' }, capability: 'case.act' },
  { op: 'complete', schema: 'CompleteTask', summary: { zh: '会签/票签表决', en: 'Sign a countersign task (approve or reject)' }, capability: 'case.act' },
];

type WorklistQuery = { view: 'mine' | 'open' | 'all'; definition?: string; limit: number; cursor?: string };

const worklistQuery = querySchema<WorklistQuery>('WorklistQuery', {
  type: 'object',
  additionalProperties: false,
  properties: {
    view: { enum: ['mine', 'open', 'all'], default: 'all', description: 'mine 我签收/受托的, open 未签收的, all 两者 mine: claimed by or delegated to me; open: unclaimed; all: both' },
    definition: { type: 'string', pattern: DEFINITION_ID_PATTERN },
    ...pageQuery,
  },
});

const returnBody = bodySchema<{ to: string; reason: string; expectedVersion?: number }>('ReturnCase', {
  type: 'object',
  additionalProperties: false,
  required: ['to', 'reason'],
  properties: { to: { type: 'string', minLength: 1, maxLength: 200, description: '退回到的环节 state to return to' }, reason: { type: 'string', minLength: 1, maxLength: 2000 }, expectedVersion },
});

const withdrawBody = bodySchema<{ reason?: string; expectedVersion?: number }>('WithdrawCase', {
  type: 'object',
  additionalProperties: false,
  properties: { reason: { type: 'string', maxLength: 2000 }, expectedVersion },
});

const notFoundResponse = { status: 404, description: { zh: '未找到（或不在本部门/区域）', en: 'not found (or outside your department/region)' } };

/** The worklist and the built-in task operations (签收、转办、委托、催办、抄送、会签、退回、撤回). */
export function registerTaskRoutes(routes: RouteRegistry): void {
  routes.add(
    {
      method: 'get',
      path: '/api/v1/tasks',
      operationId: 'myWorklist',
      tag: 'tasks',
      summary: { zh: '我的待办（按部门与角色）', en: 'My worklist (by department and role)' },
      access: { kind: 'staff', capability: 'worklist' },
      query: worklistQuery,
      responses: [ok({ zh: '一页待办，等待最久的在前', en: 'a page of open tasks, longest waiting first' }, pageSchema({ type: 'object' }))],
    },
    async (ctx) => {
      const principal = staffOf(ctx);
      const after = decodeCursor(ctx.query.cursor);
      const page = await listWorklist(
        ctx.deps.db,
        { department: principal.department, role: principal.role, region: principal.region, actorId: principal.name, view: ctx.query.view, ...(ctx.query.definition ? { definition: ctx.query.definition } : {}) },
        { limit: ctx.query.limit, ...(after ? { after } : {}) },
      );
      return ctx.c.json({ items: page.items.map(taskView), next: encodeCursor(page.next) });
    },
  );

  for (const { op, schema, summary, capability } of OPERATIONS) {
    routes.add(
      {
        method: 'post',
        path: `/api/v1/instances/{id}/tasks/{task}/${op}`,
        operationId: `${op}Task`,
        tag: 'tasks',
        summary,
        access: { kind: 'staff', capability },
        params: { id: params.id, task: params.task },
        body: { kind: 'json', schema: operationBody(op, schema) },
        headers: [idempotencyHeader],
        responses: [ok({ zh: '办件当前状态', en: 'where the case is now' }, commandResultSchema), notFoundResponse],
      },
      async (ctx) => {
        const { deps, c } = ctx;
        const principal = staffOf(ctx);
        const row = await loadCase(deps, principal, ctx.params['id']!);
        c.set('instanceId', row.id);
        const { expectedVersion: version, ...rest } = ctx.body;
        const result = await deps.runtime.send(row.id, `task.${op}`, {
          actor: actorOf(principal),
          payload: { ...rest, task: ctx.params['task']! },
          ...(version !== undefined ? { expectedVersion: version } : {}),
          ...(ctx.headers['idempotency-key'] !== undefined ? { idempotencyKey: scopedKey(principal, ctx.headers['idempotency-key']) } : {}),
        });
        deps.afterCommit?.();
        return c.json(commandView(result));
      },
    );
  }

  const caseOperation = (op: 'return' | 'withdraw', schema: typeof returnBody | typeof withdrawBody, summary: Text) =>
    routes.add(
      {
        method: 'post',
        path: `/api/v1/instances/{id}/${op}`,
        operationId: `${op}Case`,
        tag: 'tasks',
        summary,
        access: { kind: 'staff', capability: 'case.act' },
        params: { id: params.id },
        body: { kind: 'json', schema },
        headers: [idempotencyHeader],
        responses: [ok({ zh: '办件当前状态', en: 'where the case is now' }, commandResultSchema), notFoundResponse],
      },
      async (ctx) => {
        const { deps, c } = ctx;
        const principal = staffOf(ctx);
        const row = await loadCase(deps, principal, ctx.params['id']!);
        c.set('instanceId', row.id);
        const { expectedVersion: version, ...payload } = ctx.body as { expectedVersion?: number };
        const result = await deps.runtime.send(row.id, `task.${op}`, {
          actor: actorOf(principal),
          payload,
          ...(version !== undefined ? { expectedVersion: version } : {}),
          ...(ctx.headers['idempotency-key'] !== undefined ? { idempotencyKey: scopedKey(principal, ctx.headers['idempotency-key']) } : {}),
        });
        deps.afterCommit?.();
        return c.json(commandView(result));
      },
    );
  caseOperation('return', returnBody, { zh: '退回到之前的环节（驳回）', en: 'Return the case to an earlier step' });
  caseOperation('withdraw', withdrawBody, { zh: '撤回（下一环节未处理前）', en: 'Withdraw the last move (while the next step is untouched)' });
}

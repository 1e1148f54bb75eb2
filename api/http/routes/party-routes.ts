import { randomUUID } from 'node:crypto';
import type { Party } from '../../../adapters/auth/receipt-codes.ts';
import { listAuditEntries } from '../../../adapters/queries/audit-trail.ts';
import { activeStates, type CompiledDefinition } from '../../../engine/index.ts';
import type { ApiDeps } from '../api-deps.ts';
import { notFound } from '../api-error.ts';
import { actorOf } from '../auth/principal.ts';
import { partyPrincipalOf as partyPrincipal, type RouteRegistry } from '../routing/route-registry.ts';
import { bodySchema } from '../routing/schema.ts';
import { availableEvents, clockViews } from '../views/instance-view.ts';
import { DEFINITION_ID_PATTERN, REGION_PATTERN, codeHeader, commandResultSchema, idempotencyHeader, ok, params } from './common.ts';
import { commandView, loadCase, partyOfDefinition, refuseServerOwnedData, scopedKey, startCase } from './case-access.ts';
import { PUBLIC_CATEGORIES } from './disclosure-routes.ts';
import { eventBody, refuseReservedEvent, type EventBody } from './instance-routes.ts';

interface SubmitBody {
  item: string;
  data: Record<string, unknown>;
  region?: string;
}

const submitBody = bodySchema<SubmitBody>('SubmitApplication', {
  type: 'object',
  additionalProperties: false,
  required: ['item', 'data'],
  properties: {
    item: { type: 'string', pattern: DEFINITION_ID_PATTERN, description: '事项标识（见 /api/v1/public/items）item id' },
    data: { type: 'object', description: '申请数据 the application' },
    region: { type: 'string', pattern: REGION_PATTERN, description: '办理地区划代码 region where it is filed' },
  },
});

const PATHS: Record<Party, { base: string; tag: string; zh: string; en: string }> = {
  applicant: { base: '/api/v1/applications', tag: 'applicants', zh: '申请人', en: 'an applicant' },
  bidder: { base: '/api/v1/bids', tag: 'bidders', zh: '投标人/竞买人', en: 'a bidder' },
};

const itemNotFound = { zh: '事项', en: 'item' };

const tooMany = {
  status: 429,
  description: {
    zh: '请求过于频繁，或本地址对该受理编号多次输错查询码而暂被封锁（见 Retry-After）',
    en: 'too many requests, or this address is blocked from the receipt number after repeated wrong codes (see Retry-After)',
  },
};

/** The newest version of a public item that `party` may file. */
async function fileable(deps: ApiDeps, item: string, party: Party): Promise<CompiledDefinition> {
  const def = await deps.catalog.latest(item);
  if (!def || !(PUBLIC_CATEGORIES as readonly string[]).includes(def.category ?? '') || partyOfDefinition(def) !== party) throw notFound(itemNotFound);
  return def;
}

/** Online filing by applicants and bidders, and following a case by receipt number + verification code. */
export function registerPartyRoutes(routes: RouteRegistry): void {
  for (const party of ['applicant', 'bidder'] as const) {
    const p = PATHS[party];
    routes.add(
      {
        method: 'post',
        path: p.base,
        operationId: `submit${party === 'applicant' ? 'Application' : 'Bid'}`,
        tag: p.tag,
        summary: { zh: `${p.zh}在线提交（无需登录）`, en: `Online filing by ${p.en} (no login)` },
        description: {
          zh: '返回受理编号与查询码；凭二者查询进度。查询码只显示这一次。',
          en: 'Returns a receipt number and a verification code to follow the case with. The code is shown this once.',
        },
        access: { kind: 'public' },
        body: { kind: 'json', schema: submitBody },
        headers: [idempotencyHeader],
        responses: [ok({ zh: '已提交', en: 'filed' }, commandResultSchema, 201), { status: 404, description: { zh: '无此事项', en: 'no such item' } }, { status: 422, description: { zh: '申请数据无效', en: 'invalid data' } }, tooMany],
      },
      async (ctx) => {
        const { deps, body, c } = ctx;
        const def = await fileable(deps, body.item, party);
        refuseServerOwnedData(def, body.data);
        const instanceId = randomUUID();
        const region = body.region ?? def.region ?? deps.defaultRegion;
        const key = ctx.headers['idempotency-key'];
        const { result, verificationCode } = await startCase(deps, def, {
          data: body.data,
          actor: { id: `${party}:${instanceId}`, role: party, region },
          region,
          instanceId,
          party,
          ...(key !== undefined ? { idempotencyKey: scopedKey(undefined, key) } : {}),
        });
        c.set('instanceId', result.instanceId);
        return c.json(
          { receiptNo: result.receiptNo, verificationCode, item: { id: def.id, version: def.version, title: def.title }, status: result.status, state: result.state, duplicate: result.duplicate },
          result.duplicate ? 200 : 201,
        );
      },
    );

    routes.add(
      {
        method: 'get',
        path: `${p.base}/{receiptNo}`,
        operationId: `get${party === 'applicant' ? 'Application' : 'Bid'}Status`,
        tag: p.tag,
        summary: { zh: `${p.zh}凭受理编号与查询码查询进度`, en: `${p.en[0]!.toUpperCase()}${p.en.slice(1)} follows the case by receipt number and verification code` },
        access: { kind: 'party', party },
        params: { receiptNo: params.receiptNo },
        headers: [codeHeader],
        responses: [ok({ zh: '办理进度', en: 'progress' }), { status: 404, description: { zh: '受理编号或查询码不正确', en: 'wrong receipt number or code' } }, tooMany],
      },
      async (ctx) => {
        const { deps, c } = ctx;
        const principal = partyPrincipal(ctx);
        const row = await loadCase(deps, principal, principal.instanceId);
        c.set('instanceId', row.id);
        const def = await deps.catalog.compiled(row.definitionId, row.definitionVersion);
        const entries = await listAuditEntries(deps.db, row.id);
        const stateTitle = (name: string) => def.states.get(name)?.spec.title ?? { zh: name };
        return c.json({
          receiptNo: row.receiptNo,
          item: { id: def.id, version: def.version, title: def.title },
          department: row.department,
          status: row.status,
          outcome: row.outcome,
          steps: [...activeStates(row.snapshot.value)].map((s) => ({ state: s, title: stateTitle(s) })),
          submittedAt: row.createdAt.toISOString(),
          updatedAt: row.updatedAt.toISOString(),
          clocks: clockViews(def, row.snapshot, deps.clock.now()),
          data: row.snapshot.data,
          progress: entries.map((e) => ({ seq: e.seq, at: e.occurredAt, event: e.type, title: def.events[e.type]?.title ?? null })),
          availableEvents: availableEvents(def, row.snapshot).filter((e) => e.roles.includes(party)),
        });
      },
    );

    routes.add<EventBody>(
      {
        method: 'post',
        path: `${p.base}/{receiptNo}/events/{event}`,
        operationId: `send${party === 'applicant' ? 'Application' : 'Bid'}Event`,
        tag: p.tag,
        summary: { zh: `${p.zh}办理本人办件的事项（如补正、撤回申请）`, en: `${p.en[0]!.toUpperCase()}${p.en.slice(1)} acts on their own case (e.g. supplement, withdraw)` },
        access: { kind: 'party', party },
        params: { receiptNo: params.receiptNo, event: params.event },
        headers: [codeHeader, idempotencyHeader],
        body: { kind: 'json', schema: eventBody },
        responses: [ok({ zh: '办件当前状态', en: 'where the case is now' }, commandResultSchema), { status: 404, description: { zh: '受理编号或查询码不正确', en: 'wrong receipt number or code' } }, tooMany],
      },
      async (ctx) => {
        const { deps, body, c } = ctx;
        const principal = partyPrincipal(ctx);
        const event = ctx.params['event']!;
        refuseReservedEvent(event);
        c.set('instanceId', principal.instanceId);
        const result = await deps.runtime.send(principal.instanceId, event, {
          actor: actorOf(principal),
          ...(body.payload !== undefined ? { payload: body.payload } : {}),
          ...(body.expectedVersion !== undefined ? { expectedVersion: body.expectedVersion } : {}),
          ...(ctx.headers['idempotency-key'] !== undefined ? { idempotencyKey: scopedKey(principal, ctx.headers['idempotency-key']) } : {}),
        });
        deps.afterCommit?.();
        const { instanceId: _id, ...view } = commandView(result);
        return c.json(view);
      },
    );
  }
}

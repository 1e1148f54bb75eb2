import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withApiTables } from '../../adapters/auth/api-tables.ts';
import { createToken, type TokenRole } from '../../adapters/auth/api-tokens.ts';
import { DEPT_A, DEPT_B, DEPT_C, ROLES, actor, caseAt, openHarness, type CallOptions, type Harness } from './support/api-harness.ts';

/**
 * Every role × two departments × every endpoint of a department's objects. Department A owns the
 * objects; B is another department in the same region. A cell is either one status for both
 * departments or `[status for A, status for B]`. Statuses come from the HTTP layer (401, 403 for a
 * role, 404 for another department's object) and, once a request is let through, from the
 * definition's own rules (the engine's 403 when the role may not take that step).
 */
type Cell = number | [number, number];
type Row = Record<TokenRole, Cell>;

interface Endpoint {
  name: string;
  /** Builds the request; `fresh` is true when the cell should succeed and needs objects of its own. */
  request(ctx: Shared, fresh: () => Promise<Fresh>): Promise<{ method: string; url: string } & CallOptions>;
  expect: Row;
  stream?: boolean;
}

interface Shared {
  caseId: string;
  alertId: string;
}
interface Fresh {
  id: string;
}

let h: Harness;
let shared: Shared;
let failed = false;

const all = (status: number): Row => ({
  designer: status,
  window: status,
  'chief-representative': status,
  officer: status,
  head: status,
  supervisor: status,
  auditor: status,
  admin: status,
});
/** Department roles see A's object and not B's; region roles see both; the rest are refused by role. */
const caseRead = (ok = 200): Row => ({
  designer: 403,
  window: [ok, 404],
  'chief-representative': [ok, 404],
  officer: [ok, 404],
  head: [ok, 404],
  supervisor: ok,
  auditor: ok,
  admin: 403,
});
const only = (roles: Partial<Row>): Row => ({ ...all(403), ...roles });

async function flaggedCase(): Promise<{ caseId: string; alertId: string }> {
  const caseId = await caseAt(h, 'received');
  await h.runtime.send(caseId, 'flag', { actor: actor('window') });
  const alert = await h.store.db.selectFrom('alerts').select('id').where('instance_id', '=', caseId).executeTakeFirstOrThrow();
  return { caseId, alertId: alert.id };
}

const sharedByState = new Map<string, Promise<string>>();
const sharedCase = (state: Parameters<typeof caseAt>[1]) => {
  let p = sharedByState.get(state);
  if (!p) sharedByState.set(state, (p = caseAt(h, state)));
  return p;
};

/** A case in `state`: a fresh one for cells that succeed, else one shared by the endpoint (a refused request changes nothing). */
function onCase(state: Parameters<typeof caseAt>[1], build: (id: string) => { method: string; url: string } & CallOptions): Endpoint['request'] {
  return async (_ctx, fresh) => {
    const f = await fresh();
    const id = f.id === 'fresh' ? await caseAt(h, state) : await sharedCase(state);
    return build(id);
  };
}

const yamlFor = (id: string) => `id: ${id}
version: 1
title: { zh: 矩阵测试 }
department: ${DEPT_A}
events: { done: { roles: [window] } }
initial: open
states:
  open: { task: { role: window }, on: { done: { target: closed } } }
  closed: { type: final, outcome: done }
`;

const endpoints: Endpoint[] = [
  { name: 'GET /definitions', request: async () => ({ method: 'GET', url: '/api/v1/definitions' }), expect: all(200) },
  ...['', '/1', '/1/source', '/1/diagram'].map(
    (suffix): Endpoint => ({
      name: `GET /definitions/api-permit/versions${suffix}`,
      request: async () => ({ method: 'GET', url: `/api/v1/definitions/api-permit/versions${suffix}` }),
      expect: { designer: [200, 404], window: [200, 404], 'chief-representative': [200, 404], officer: [200, 404], head: [200, 404], supervisor: 200, auditor: 200, admin: 200 },
    }),
  ),
  { name: 'POST /definitions/validate', request: async () => ({ method: 'POST', url: '/api/v1/definitions/validate', yaml: yamlFor('matrix-check') }), expect: only({ designer: 200 }) },
  { name: 'POST /definitions', request: async () => ({ method: 'POST', url: '/api/v1/definitions', yaml: yamlFor(`matrix-${randomUUID().slice(0, 8)}`) }), expect: only({ designer: [201, 403] }) },
  {
    name: 'POST /instances',
    request: async () => ({ method: 'POST', url: '/api/v1/instances', json: { definition: 'api-permit', data: { applicant: { name: '矩阵' } } } }),
    expect: only({ window: [201, 404], 'chief-representative': [201, 404], officer: [201, 404], head: [201, 404] }),
  },
  // Lists answer 200 to every role that may search; what each sees is checked below.
  {
    name: 'GET /instances',
    request: async () => ({ method: 'GET', url: '/api/v1/instances?definition=api-permit' }),
    expect: only({ window: 200, 'chief-representative': 200, officer: 200, head: 200, supervisor: 200, auditor: 200 }),
  },
  { name: 'GET /instances/{id}', request: async (s) => ({ method: 'GET', url: `/api/v1/instances/${s.caseId}` }), expect: caseRead() },
  { name: 'GET /instances/{id}/audit', request: async (s) => ({ method: 'GET', url: `/api/v1/instances/${s.caseId}/audit` }), expect: caseRead() },
  {
    name: 'POST /instances/{id}/events/note',
    request: onCase('received', (id) => ({ method: 'POST', url: `/api/v1/instances/${id}/events/note`, json: { payload: { text: '矩阵' } } })),
    // The definition lets window, officer and head take notes; the chief representative passes the HTTP checks and is refused by it.
    expect: only({ window: [200, 404], 'chief-representative': [403, 404], officer: [200, 404], head: [200, 404] }),
  },
  {
    name: 'POST /instances/{id}/events/approve',
    request: onCase('decision', (id) => ({ method: 'POST', url: `/api/v1/instances/${id}/events/approve`, json: {} })),
    // The decision is the head's or, where the definition authorises it, the window's chief representative's.
    expect: only({ window: [403, 404], 'chief-representative': [200, 404], officer: [403, 404], head: [200, 404] }),
  },
  {
    name: 'POST tasks/{task}/claim',
    request: onCase('received', (id) => ({ method: 'POST', url: `/api/v1/instances/${id}/tasks/received/claim`, json: {} })),
    expect: only({ window: [200, 404], 'chief-representative': [403, 404], officer: [403, 404], head: [403, 404] }),
  },
  {
    name: 'POST tasks/{task}/transfer',
    request: onCase('received', (id) => ({ method: 'POST', url: `/api/v1/instances/${id}/tasks/received/transfer`, json: { toUser: 'someone', reason: '矩阵' } })),
    expect: only({ window: [200, 404], 'chief-representative': [403, 404], officer: [403, 404], head: [200, 404] }),
  },
  {
    name: 'POST tasks/{task}/delegate',
    request: onCase('received', (id) => ({ method: 'POST', url: `/api/v1/instances/${id}/tasks/received/delegate`, json: { to: 'someone' } })),
    expect: only({ window: [200, 404], 'chief-representative': [403, 404], officer: [403, 404], head: [403, 404] }),
  },
  {
    name: 'POST tasks/{task}/urge',
    request: onCase('received', (id) => ({ method: 'POST', url: `/api/v1/instances/${id}/tasks/received/urge`, json: { message: '请尽快' } })),
    // The fixture names no urgers: the engine's default lets the case's own staff, the chief representative included, and supervisors urge.
    expect: only({ window: [200, 404], 'chief-representative': [200, 404], officer: [200, 404], head: [200, 404], supervisor: 200 }),
  },
  {
    name: 'POST tasks/{countersign}/urge',
    request: onCase('joint', (id) => ({ method: 'POST', url: `/api/v1/instances/${id}/tasks/co-review/urge`, json: { message: '请尽快会签' } })),
    expect: only({ window: [200, 404], 'chief-representative': [200, 404], officer: [200, 404], head: [200, 404], supervisor: 200 }),
  },
  {
    name: 'POST tasks/{task}/copy',
    request: onCase('received', (id) => ({ method: 'POST', url: `/api/v1/instances/${id}/tasks/received/copy`, json: { to: ['someone'] } })),
    expect: only({ window: [200, 404], 'chief-representative': [403, 404], officer: [403, 404], head: [200, 404] }),
  },
  {
    name: 'POST tasks/{task}/complete',
    request: onCase('joint', (id) => ({ method: 'POST', url: `/api/v1/instances/${id}/tasks/co-review/complete`, json: { decision: 'approve' } })),
    expect: only({ window: [403, 404], 'chief-representative': [403, 404], officer: [200, 404], head: [403, 404] }),
  },
  {
    name: 'POST /instances/{id}/return',
    request: onCase('decision', (id) => ({ method: 'POST', url: `/api/v1/instances/${id}/return`, json: { to: 'review', reason: '矩阵' } })),
    expect: only({ window: [403, 404], 'chief-representative': [403, 404], officer: [403, 404], head: [200, 404] }),
  },
  {
    name: 'POST /instances/{id}/withdraw',
    request: onCase('review', (id) => ({ method: 'POST', url: `/api/v1/instances/${id}/withdraw`, json: { reason: '矩阵' } })),
    expect: only({ window: [200, 404], 'chief-representative': [403, 404], officer: [403, 404], head: [403, 404] }),
  },
  { name: 'GET /tasks', request: async () => ({ method: 'GET', url: '/api/v1/tasks' }), expect: only({ window: 200, 'chief-representative': 200, officer: 200, head: 200 }) },
  {
    name: 'GET /alerts',
    request: async () => ({ method: 'GET', url: '/api/v1/alerts' }),
    expect: only({ window: 200, 'chief-representative': 200, officer: 200, head: 200, supervisor: 200, auditor: 200 }),
  },
  { name: 'GET /alerts/{id}', request: async (s) => ({ method: 'GET', url: `/api/v1/alerts/${s.alertId}` }), expect: caseRead() },
  {
    name: 'POST /alerts/{id}/acknowledge',
    request: async (s, fresh) => {
      const alertId = (await fresh()).id === 'fresh' ? (await flaggedCase()).alertId : s.alertId;
      return { method: 'POST', url: `/api/v1/alerts/${alertId}/acknowledge`, json: { comment: '矩阵' } };
    },
    expect: only({ 'chief-representative': [200, 404], head: [200, 404], supervisor: 200 }),
  },
  { name: 'GET /stats/departments', request: async () => ({ method: 'GET', url: '/api/v1/stats/departments' }), expect: only({ head: 200, supervisor: 200, auditor: 200 }) },
  { name: 'GET /streams/instances/{id}', request: async (s) => ({ method: 'GET', url: `/api/v1/streams/instances/${s.caseId}` }), expect: caseRead(), stream: true },
  {
    name: 'GET /streams/tasks',
    request: async () => ({ method: 'GET', url: '/api/v1/streams/tasks' }),
    expect: only({ window: 200, 'chief-representative': 200, officer: 200, head: 200 }),
    stream: true,
  },
  {
    name: 'GET /streams/alerts',
    request: async () => ({ method: 'GET', url: '/api/v1/streams/alerts' }),
    expect: only({ window: 200, 'chief-representative': 200, officer: 200, head: 200, supervisor: 200, auditor: 200 }),
    stream: true,
  },
  { name: 'POST /tokens', request: async () => ({ method: 'POST', url: '/api/v1/tokens', json: { role: 'window', department: DEPT_A } }), expect: only({ admin: 201 }) },
  { name: 'GET /tokens', request: async () => ({ method: 'GET', url: '/api/v1/tokens' }), expect: only({ admin: 200 }) },
  {
    name: 'DELETE /tokens/{id}',
    request: async (_s, fresh) => {
      const target = (await fresh()).id === 'fresh' ? (await createToken(h.store.db, { role: 'window', department: DEPT_A, region: '520000', createdBy: 'matrix' }, h.clock.now())).id : randomUUID();
      return { method: 'DELETE', url: `/api/v1/tokens/${target}` };
    },
    expect: only({ admin: 200 }),
  },
  { name: 'GET /security-audit', request: async () => ({ method: 'GET', url: '/api/v1/security-audit' }), expect: only({ auditor: 200 }) },
  { name: 'GET /me', request: async () => ({ method: 'GET', url: '/api/v1/me' }), expect: all(200) },
];

/** Denied attempts recorded so far (grants — tokens issued or revoked — are recorded too, as `granted`). */
const securityRows = async () =>
  Number((await withApiTables(h.store.db).selectFrom('security_audit').select((eb) => eb.fn.countAll().as('n')).where('outcome', '=', 'denied').executeTakeFirstOrThrow()).n);

async function send(req: { method: string; url: string } & CallOptions, stream: boolean, token?: string): Promise<number> {
  if (!stream) return (await h.call(req.method, req.url, { ...req, ...(token ? { token } : {}) })).status;
  const response = await h.api.app.request(req.url, { method: req.method, headers: token ? { authorization: `Bearer ${token}` } : {} });
  await response.body?.cancel();
  return response.status;
}

beforeAll(async () => {
  h = await openHarness('api authorization matrix');
  shared = await flaggedCase();
});
beforeEach(({ onTestFailed }) => onTestFailed(() => void (failed = true)));
afterAll(async () => h?.close(failed));

describe('authorization matrix: role × department × endpoint', () => {
  it.each(endpoints.map((e) => [e.name, e] as const))('%s', async (_name, endpoint) => {
    const mismatches: string[] = [];
    let denied = await securityRows();
    const anonymous = await send(await endpoint.request(shared, async () => ({ id: 'shared' })), endpoint.stream ?? false);
    if (anonymous !== 401) mismatches.push(`anonymous: expected 401, got ${anonymous}`);
    denied = await securityRows();
    for (const role of ROLES) {
      for (const [i, department] of [DEPT_A, DEPT_B].entries()) {
        const cell = endpoint.expect[role];
        const expected = Array.isArray(cell) ? cell[i]! : cell;
        const succeeds = expected < 300;
        const req = await endpoint.request(shared, async () => ({ id: succeeds ? 'fresh' : 'shared' }));
        const status = await send(req, endpoint.stream ?? false, h.token(role, department));
        const now = await securityRows();
        const audited = now - denied;
        denied = now;
        if (status !== expected) mismatches.push(`${role}@${department}: expected ${expected}, got ${status}`);
        // Every refusal by role or scope is in the security audit; a permitted request leaves none.
        else if (audited !== (succeeds ? 0 : 1)) mismatches.push(`${role}@${department}: ${audited} security audit rows for ${status}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('lets the chief representative urge its own department\'s tasks and a countersign its department holds, and no other department\'s', async () => {
    const urge = (id: string, task: string, token: string) => h.call('POST', `/api/v1/instances/${id}/tasks/${task}/urge`, { token, json: { message: '请尽快' } });
    const urged = async (id: string) =>
      (await h.store.db.selectFrom('outbox').select('payload').where('instance_id', '=', id).where('topic', '=', 'notify').execute())
        .map((r) => r.payload as { template: string; to: string })
        .filter((p) => p.template === 'task-urged')
        .map((p) => p.to);
    const received = await caseAt(h, 'received');
    expect((await urge(received, 'received', h.token('chief-representative'))).status).toBe(200);
    expect(await urged(received)).toEqual([DEPT_A]);
    // Another department's chief representative does not see the case at all.
    for (const department of [DEPT_B, DEPT_C]) expect((await urge(received, 'received', h.token('chief-representative', department))).status).toBe(404);
    // A co-signing department's chief representative may urge the countersign it takes part in; the owner's urges whoever has not signed.
    const joint = await caseAt(h, 'joint');
    await h.runtime.send(joint, 'task.complete', { actor: actor('officer', DEPT_C), payload: { decision: 'approve' } });
    expect((await urge(joint, 'co-review', h.token('chief-representative', DEPT_C))).status).toBe(200);
    expect((await urge(joint, 'co-review', h.token('chief-representative', DEPT_A))).status).toBe(200);
    expect((await urge(joint, 'co-review', h.token('chief-representative', DEPT_B))).status).toBe(404);
    expect(await urged(joint)).toEqual([DEPT_A, DEPT_A]);
  });

  it('keeps other departments\' and other regions\' objects out of lists', async () => {
    const visible = async (token: string, url: string, key: string, id: string) => ((await h.call('GET', url, { token })).body.items as Array<Record<string, string>>).some((i) => i[key] === id);
    const list = '/api/v1/instances?definition=api-permit&limit=200';
    expect(await visible(h.token('window'), list, 'id', shared.caseId)).toBe(true);
    expect(await visible(h.token('window', DEPT_B), list, 'id', shared.caseId)).toBe(false);
    expect(await visible(h.token('supervisor', DEPT_B), list, 'id', shared.caseId)).toBe(true);
    expect(await visible(h.token('supervisor', DEPT_A, '530000'), list, 'id', shared.caseId)).toBe(false);
    expect(await visible(h.token('auditor', DEPT_A, '530000'), '/api/v1/alerts?limit=200', 'id', shared.alertId)).toBe(false);
    expect(await visible(h.token('officer', DEPT_B), '/api/v1/alerts?limit=200', 'id', shared.alertId)).toBe(false);
    expect(await visible(h.token('window'), '/api/v1/tasks?limit=200', 'instanceId', shared.caseId)).toBe(true);
    expect(await visible(h.token('window', DEPT_B), '/api/v1/tasks?limit=200', 'instanceId', shared.caseId)).toBe(false);
    expect(await visible(h.token('window', DEPT_A, '530000'), '/api/v1/tasks?limit=200', 'instanceId', shared.caseId)).toBe(false);
    // The chief representative sees its own department's cases, tasks and alerts, and no other department's.
    expect(await visible(h.token('chief-representative'), list, 'id', shared.caseId)).toBe(true);
    expect(await visible(h.token('chief-representative'), '/api/v1/alerts?limit=200', 'id', shared.alertId)).toBe(true);
    expect(await visible(h.token('chief-representative', DEPT_B), list, 'id', shared.caseId)).toBe(false);
    expect(await visible(h.token('chief-representative', DEPT_B), '/api/v1/alerts?limit=200', 'id', shared.alertId)).toBe(false);
    expect(await visible(h.token('chief-representative', DEPT_B), '/api/v1/tasks?limit=200', 'instanceId', shared.caseId)).toBe(false);
    const stats = await h.call('GET', '/api/v1/stats/departments', { token: h.token('supervisor', DEPT_A, '530000') });
    expect(stats.body.departments).toEqual([]);
  });
});

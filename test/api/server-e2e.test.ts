import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createToken, type TokenRole } from '../../adapters/auth/api-tokens.ts';
import { openPostgresStore } from '../../adapters/storage/open-postgres.ts';
import type { Store } from '../../adapters/storage/store.ts';
import { createLogger } from '../../api/http/logging/logger.ts';
import { startServer, type RunningServer } from '../../api/http/server/start-server.ts';
import { transactionId, untilSomeoneWaitsFor } from '../support/lock-waiter.ts';
import { dropSchema, freshSchemaName, testDatabaseUrl } from '../support/test-database.ts';
import { readSse, type SseEvent } from './support/sse-reader.ts';

/**
 * The real service on PostgreSQL, over a listening socket: a food business licence from online
 * application to delivery by the window, the reviewing officer and the department head, watched
 * live over SSE (PostgreSQL LISTEN/NOTIFY → outbox relay → bus → stream), then a graceful
 * shutdown that lets a command in flight commit.
 */

const url = testDatabaseUrl();
const schema = freshSchemaName('api e2e');
let server: RunningServer;
let probe: Store;
let failed = false;
const logLines: string[] = [];
const tokens = new Map<TokenRole, string>();

beforeAll(async () => {
  server = await startServer({
    port: 0,
    databaseUrl: url,
    schema,
    logger: createLogger({ destination: { write: (line: string) => void logLines.push(line) } }),
    print: () => undefined,
    timerPollMs: 200,
  });
  probe = await openPostgresStore({ connectionString: url, schema, max: 2 });
  for (const role of ['window', 'officer', 'head'] as const) {
    tokens.set(role, (await createToken(probe.db, { role, department: 'market-regulation', region: '520000', name: `e2e-${role}`, createdBy: 'test' }, Date.now())).token);
  }
});
beforeEach(({ onTestFailed }) => onTestFailed(() => void (failed = true)));
afterAll(async () => {
  await server?.close();
  await probe?.close();
  if (failed) process.stderr.write(`保留失败测试的模式 keeping schema ${schema}\n`);
  else await dropSchema(url, schema);
});

async function api(method: string, path: string, options: { role?: TokenRole; json?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.role) headers['authorization'] = `Bearer ${tokens.get(options.role)}`;
  if (options.json !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${server.url}${path}`, { method, headers, ...(options.json !== undefined ? { body: JSON.stringify(options.json) } : {}) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

describe('the service end to end on PostgreSQL', () => {
  let instanceId: string;

  it('takes a licensing item from online application to delivery by three roles, streaming progress over SSE', async () => {
    expect(server.store.kind).toBe('postgres');
    expect(server.published).toContain('food-business-licence@1');
    const item = await api('GET', '/api/v1/public/items/food-business-licence');
    expect(item.body.limits.map((l: { clock: string }) => l.clock)).toEqual(expect.arrayContaining(['statutory', 'promised']));

    const applicant = { name: '贵阳市某某餐饮有限公司', kind: 'organisation', idNumber: '520102199001011234', phone: '13812345678' };
    const filed = await api('POST', '/api/v1/applications', { json: { item: 'food-business-licence', data: { applicant, channel: 'online' } }, headers: { 'Idempotency-Key': 'e2e-application-0001' } });
    expect(filed.status).toBe(201);
    const { receiptNo, verificationCode } = filed.body as { receiptNo: string; verificationCode: string };

    const worklist = await api('GET', '/api/v1/tasks', { role: 'window' });
    const task = worklist.body.items.find((t: { receiptNo: string }) => t.receiptNo === receiptNo);
    expect(task).toMatchObject({ state: 'received', role: 'window' });
    instanceId = task.instanceId;

    const stream = await fetch(`${server.url}/api/v1/streams/instances/${instanceId}`, { headers: { authorization: `Bearer ${tokens.get('officer')}` } });
    expect(stream.status).toBe(200);
    const sse = readSse(stream);
    expect((await sse.next()).event).toBe('ready');

    const step = async (role: TokenRole, path: string, json: unknown) => {
      const r = await api('POST', `/api/v1/instances/${instanceId}${path}`, { role, json });
      expect(r.status, `${role} ${path}: ${JSON.stringify(r.body)}`).toBe(200);
      return r.body;
    };
    await step('window', '/events/accept', { payload: { receiptNo } });
    await step('officer', '/tasks/examining/claim', {});
    await step('officer', '/events/submit-for-decision', { payload: { recommendation: 'approve', opinion: '材料齐全，符合条件' } });
    const approved = await step('head', '/events/approve', { payload: { opinion: '同意' } });
    expect(approved.state).toBe('delivery');
    const delivered = await step('window', '/events/deliver', { payload: { method: 'electronic', certificateNo: 'JY15201020000001' } });
    expect(delivered).toMatchObject({ status: 'done', outcome: 'approved', state: 'approved' });

    const changes: SseEvent[] = [];
    while (!changes.some((e) => JSON.parse(e.data).status === 'done')) {
      const e = await sse.next();
      if (e.event === 'instance.changed') changes.push(e);
    }
    await sse.cancel();
    expect(changes.map((e) => JSON.parse(e.data).type)).toEqual(['accept', 'task.claim', 'submit-for-decision', 'approve', 'deliver']);
    expect(new Set(changes.map((e) => e.id)).size).toBe(changes.length);

    const status = await api('GET', `/api/v1/applications/${receiptNo}`, { headers: { 'X-Verification-Code': verificationCode } });
    expect(status.body).toMatchObject({ status: 'done', outcome: 'approved', data: { applicant, certificateNo: 'JY15201020000001', deliveryMethod: 'electronic' } });
    expect(status.body.progress.map((p: { event: string }) => p.event)).toEqual(['govflow.start', 'accept', 'task.claim', 'submit-for-decision', 'approve', 'deliver']);

    const audit = await api('GET', `/api/v1/instances/${instanceId}/audit`, { role: 'head' });
    expect(audit.body.verification).toMatchObject({ ok: true, events: 6 });
    expect(logLines.join('')).not.toContain('520102199001011234');
  });

  it('shuts down gracefully: a command in flight commits before the server closes', async () => {
    const { body: started } = await api('POST', '/api/v1/instances', { role: 'window', json: { definition: 'food-business-licence', data: { applicant: { name: '关停测试' } } } });
    const id = started.instanceId as string;
    let pending: Promise<{ status: number }> | undefined;
    let closing: Promise<void> | undefined;
    await probe.db.transaction().execute(async (trx) => {
      await sql`select id from instances where id = ${id} for update`.execute(trx);
      pending = api('POST', `/api/v1/instances/${id}/events/refuse-to-accept`, { role: 'window', json: { payload: { reason: '不属于本机关职权范围' } } });
      await untilSomeoneWaitsFor(probe.db, await transactionId(trx));
      closing = server.close();
    });
    expect((await pending!).status).toBe(200);
    await closing;
    const row = await probe.db.selectFrom('instances').select(['status', 'outcome', 'version']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'done', outcome: 'not-accepted', version: 2 });
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});

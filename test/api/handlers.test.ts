import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withApiTables } from '../../adapters/auth/api-tables.ts';
import { createBusDispatcher } from '../../adapters/outbox/bus-dispatcher.ts';
import { OutboxRelay } from '../../adapters/outbox/outbox-relay.ts';
import { StatsProjector } from '../../adapters/stats/stats-projector.ts';
import { TimerScheduler } from '../../adapters/timers/timer-scheduler.ts';
import { DEPT_A, DEPT_B, DEPT_C, OTHER_REGION, actor, calendars, caseAt, openHarness, type Harness } from './support/api-harness.ts';
import { readSse } from './support/sse-reader.ts';

let h: Harness;
let failed = false;

beforeAll(async () => {
  h = await openHarness('api handlers');
});
beforeEach(({ onTestFailed }) => onTestFailed(() => void (failed = true)));
afterAll(async () => h?.close(failed));

const applicant = { name: '张三', idNumber: '520102199001011234', phone: '13812345678' };
const securityRows = async () => withApiTables(h.store.db).selectFrom('security_audit').selectAll().orderBy('id').execute();

describe('public disclosure and applicants', () => {
  it('discloses an item without login: basis, limits, materials, fees', async () => {
    const list = await h.call('GET', '/api/v1/public/items');
    expect(list.status).toBe(200);
    expect(list.body.items.map((i: { id: string }) => i.id)).toContain('api-permit');
    const item = await h.call('GET', '/api/v1/public/items/api-permit');
    expect(item.status).toBe(200);
    expect(item.body).toMatchObject({
      id: 'api-permit',
      department: DEPT_A,
      basis: [{ law: '中华人民共和国行政许可法', article: '42' }],
      materials: [{ name: '申请书', required: true }],
      fees: { zh: '不收费' },
      limits: [{ clock: 'reply', amount: 30, unit: 'min' }],
    });
    expect((await h.call('GET', '/api/v1/public/items/no-such-item')).status).toBe(404);
  });

  it('lets an applicant file online and follow the case with receipt number and code only', async () => {
    const filed = await h.call('POST', '/api/v1/applications', { json: { item: 'api-permit', data: { applicant } } });
    expect(filed.status).toBe(201);
    expect(filed.body.receiptNo).toMatch(/^GF\d{16}$/);
    expect(filed.body.verificationCode).toMatch(/^[2-9A-HJKMNP-Z]{8}$/);
    const stored = await withApiTables(h.store.db).selectFrom('receipt_codes').selectAll().where('receipt_no', '=', filed.body.receiptNo).executeTakeFirstOrThrow();
    expect(stored.code_hash).not.toContain(filed.body.verificationCode);
    expect(stored.hash_alg).toBe('scrypt');

    const status = await h.call('GET', `/api/v1/applications/${filed.body.receiptNo}`, { headers: { 'X-Verification-Code': filed.body.verificationCode } });
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ receiptNo: filed.body.receiptNo, status: 'active', steps: [{ state: 'received' }], data: { applicant } });
    expect(status.body.availableEvents.map((e: { event: string }) => e.event)).toEqual(['supplement']);

    const acted = await h.call('POST', `/api/v1/applications/${filed.body.receiptNo}/events/supplement`, {
      headers: { 'X-Verification-Code': filed.body.verificationCode },
      json: { payload: { text: '补交营业执照' } },
    });
    expect(acted.status).toBe(200);
    expect(acted.body).toMatchObject({ version: 2, state: 'received' });
    expect(acted.body.instanceId).toBeUndefined();

    const before = (await securityRows()).length;
    const wrong = await h.call('GET', `/api/v1/applications/${filed.body.receiptNo}`, { headers: { 'X-Verification-Code': 'ABCDEFGH' } });
    const unknown = await h.call('GET', '/api/v1/applications/GF2026030299999999', { headers: { 'X-Verification-Code': filed.body.verificationCode } });
    const asBidder = await h.call('GET', `/api/v1/bids/${filed.body.receiptNo}`, { headers: { 'X-Verification-Code': filed.body.verificationCode } });
    expect([wrong.status, unknown.status, asBidder.status]).toEqual([404, 404, 404]);
    expect(wrong.body).toEqual(unknown.body);
    const rows = (await securityRows()).slice(before);
    expect(rows.map((r) => r.reason)).toEqual(['receipt check failed: mismatch', 'receipt check failed: unknown', 'receipt belongs to a applicant, not a bidder']);
  });

  it('blocks a receipt number after ten wrong codes, known or not: 429 with Retry-After until the block ends', async () => {
    const filed = await h.call('POST', '/api/v1/applications', { json: { item: 'api-permit', data: { applicant: { name: '李四' } } } });
    const lookup = (receiptNo: string, code: string) => h.call('GET', `/api/v1/applications/${receiptNo}`, { headers: { 'X-Verification-Code': code } });
    // An unknown receipt number is throttled exactly like a real one, so throttling tells nothing either.
    for (const receiptNo of [filed.body.receiptNo as string, 'GF2026030288888888']) {
      for (let i = 0; i < 10; i++) expect((await lookup(receiptNo, 'WRNGCDE2')).status).toBe(404);
      const blocked = await lookup(receiptNo, filed.body.verificationCode);
      expect([blocked.status, blocked.body.code, blocked.headers.get('retry-after')]).toEqual([429, 'RATE_LIMITED', '900']);
    }
    const refused = (await securityRows()).filter((r) => r.code === 'RATE_LIMITED');
    expect(refused.map((r) => [r.status, r.resource])).toEqual([
      [429, filed.body.receiptNo],
      [429, 'GF2026030288888888'],
    ]);
    h.clock.advance(14 * 60_000);
    expect((await lookup(filed.body.receiptNo, filed.body.verificationCode)).headers.get('retry-after')).toBe('60');
    h.clock.advance(60_000);
    expect((await lookup(filed.body.receiptNo, filed.body.verificationCode)).status).toBe(200);
    // The right code forgets the earlier failures: ten more wrong ones are needed to block it again.
    for (let i = 0; i < 9; i++) expect((await lookup(filed.body.receiptNo, 'WRNGCDE2')).status).toBe(404);
    expect((await lookup(filed.body.receiptNo, filed.body.verificationCode)).status).toBe(200);
  });

  it('refuses server-owned fields and unknown fields in an application', async () => {
    const owned = await h.call('POST', '/api/v1/applications', { json: { item: 'api-permit', data: { applicant, decision: 'approved' } } });
    expect(owned.status).toBe(422);
    expect(owned.body).toMatchObject({ code: 'SERVER_OWNED_FIELD', details: [{ path: '/data/decision' }] });
    const extra = await h.call('POST', '/api/v1/applications', { json: { item: 'api-permit', data: { applicant }, status: 'done' } });
    expect(extra.status).toBe(400);
    expect(extra.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ message: expect.stringContaining("unknown field 'status'") }] });
    const invalid = await h.call('POST', '/api/v1/applications', { json: { item: 'api-permit', data: { applicant: { name: '' } } } });
    expect(invalid.status).toBe(422);
    expect(invalid.body.code).toBe('INVALID_DATA');
  });
});

describe('cases, tasks and events', () => {
  it('starts a case at the window, shows clocks with due and remaining, masks personal data outside the department', async () => {
    const started = await h.call('POST', '/api/v1/instances', { token: h.token('window'), json: { definition: 'api-permit', data: { applicant } } });
    expect(started.status).toBe(201);
    expect(started.headers.get('location')).toBe(`/api/v1/instances/${started.body.instanceId}`);
    const id = started.body.instanceId as string;
    await h.call('POST', `/api/v1/instances/${id}/events/accept`, { token: h.token('window'), json: {} });
    h.clock.advance(5 * 60_000);
    const own = await h.call('GET', `/api/v1/instances/${id}`, { token: h.token('officer') });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ state: 'review', personalDataMasked: false, data: { applicant } });
    const reply = own.body.clocks.find((c: { name: string }) => c.name === 'reply');
    expect(reply).toMatchObject({ status: 'running', unit: 'min', limit: 30, consumed: 5, remaining: 25, overdue: false });
    expect(Date.parse(reply.due)).toBe(h.clock.now() - 5 * 60_000 + 30 * 60_000);
    expect(own.body.tasks).toMatchObject([{ name: 'review', role: 'officer', status: 'open' }]);
    expect(own.body.availableEvents.map((e: { event: string }) => e.event).sort()).toEqual(['note', 'submit']);

    const supervisor = await h.call('GET', `/api/v1/instances/${id}`, { token: h.token('supervisor', DEPT_B) });
    expect(supervisor.status).toBe(200);
    expect(supervisor.body).toMatchObject({ personalDataMasked: true, data: { applicant: { idNumber: '5201**********1234', phone: '138****5678' } } });
    expect((await h.call('GET', `/api/v1/instances/${id}`, { token: h.token('supervisor', DEPT_A, OTHER_REGION) })).status).toBe(404);
    expect((await h.call('GET', `/api/v1/instances/${id}`, { token: h.token('officer', DEPT_B) })).status).toBe(404);
  });

  it('searches with filters and cursor pagination, lists always masked', async () => {
    for (let i = 0; i < 3; i++) await caseAt(h, 'received');
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { status: number; body: { items: Array<{ id: string; applicant: { idNumber?: string } }>; next: string | null } } = await h.call(
        'GET',
        `/api/v1/instances?status=active&definition=api-permit&state=received&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { token: h.token('window') },
      );
      expect(page.status).toBe(200);
      for (const item of page.body.items) {
        seen.push(item.id);
        if (item.applicant.idNumber) expect(item.applicant.idNumber).toContain('*');
      }
      cursor = page.body.next;
      pages++;
    } while (cursor && pages < 50);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(pages).toBeGreaterThanOrEqual(2);
    const other = await h.call('GET', '/api/v1/instances?definition=api-permit', { token: h.token('window', DEPT_B) });
    expect(other.body.items).toEqual([]);
    expect((await h.call('GET', '/api/v1/instances?cursor=bm90LWEtY3Vyc29y', { token: h.token('window') })).body.code).toBe('INVALID_CURSOR');
    expect((await h.call('GET', '/api/v1/instances?limit=0', { token: h.token('window') })).status).toBe(400);
    expect((await h.call('GET', '/api/v1/instances?limit=5&limit=6', { token: h.token('window') })).status).toBe(400);
  });

  it('maps engine and runtime refusals to 4xx, and answers a repeated idempotency key with the first result', async () => {
    const id = await caseAt(h, 'received');
    const send = (event: string, token: string, json: unknown = {}, headers: Record<string, string> = {}) =>
      h.call('POST', `/api/v1/instances/${id}/events/${event}`, { token, json, headers });
    expect((await send('approve', h.token('head'))).body.code).toBe('EVENT_NOT_ALLOWED');
    expect((await send('approve', h.token('head'))).status).toBe(409);
    const forbidden = await send('accept', h.token('officer'));
    expect([forbidden.status, forbidden.body.code]).toEqual([403, 'FORBIDDEN']);
    const payload = await send('note', h.token('window'), { payload: { text: 7 } });
    expect([payload.status, payload.body.code]).toEqual([422, 'INVALID_PAYLOAD']);
    expect((await send('no-such-event', h.token('window'))).status).toBe(422);
    expect((await send('task.claim', h.token('window'))).body.code).toBe('RESERVED_EVENT');
    expect((await send('govflow.timer', h.token('window'))).body.code).toBe('RESERVED_EVENT');
    const stale = await send('note', h.token('window'), { payload: { text: 'x' }, expectedVersion: 9 });
    expect([stale.status, stale.body.code]).toEqual([409, 'CONFLICT']);

    const first = await send('note', h.token('window'), { payload: { text: '第一次' } }, { 'Idempotency-Key': 'note-key-0001' });
    const again = await send('note', h.token('window'), { payload: { text: '第一次' } }, { 'Idempotency-Key': 'note-key-0001' });
    expect(first.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, duplicate: true });
    // Keys are per caller: another clerk's same key is a new command, not someone else's answer.
    const otherClerk = await send('note', h.token('head'), { payload: { text: '负责人' } }, { 'Idempotency-Key': 'note-key-0001' });
    expect(otherClerk.body).toMatchObject({ duplicate: false, version: first.body.version + 1 });
    const done = await caseAt(h, 'approved');
    const ended = await h.call('POST', `/api/v1/instances/${done}/events/note`, { token: h.token('window'), json: { payload: { text: 'x' } } });
    expect([ended.status, ended.body.code]).toEqual([409, 'INSTANCE_DONE']);
    expect(ended.text).not.toMatch(/at .*\.ts:\d+/);
  });

  it('runs the task operations: claim, transfer, delegate, urge, copy, countersign, return, withdraw', async () => {
    const id = await caseAt(h, 'received');
    const op = (name: string, token: string, json: unknown = {}) => h.call('POST', `/api/v1/instances/${id}/tasks/received/${name}`, { token, json });
    expect((await op('claim', h.token('window'))).status).toBe(200);
    const mine = await h.call('GET', '/api/v1/tasks?view=mine', { token: h.token('window') });
    expect(mine.body.items.map((t: { instanceId: string }) => t.instanceId)).toContain(id);
    expect((await op('urge', h.token('supervisor', DEPT_B), { message: '请尽快受理' })).status).toBe(200);
    expect((await op('copy', h.token('window'), { to: ['head-market-regulation'] })).status).toBe(200);
    expect((await op('delegate', h.token('window'), { to: 'window-2' })).status).toBe(200);
    expect((await op('transfer', h.token('head'), { toUser: 'window-3', reason: '调整分工' })).status).toBe(200);
    expect((await op('transfer', h.token('head'), { reason: '缺少去向' })).status).toBe(400);
    const row = await h.store.db.selectFrom('tasks').select(['claimed_by', 'delegated_to']).where('instance_id', '=', id).where('status', '=', 'open').executeTakeFirstOrThrow();
    expect(row).toEqual({ claimed_by: 'window-3', delegated_to: null });

    const joint = await caseAt(h, 'joint');
    const sign = (token: string) => h.call('POST', `/api/v1/instances/${joint}/tasks/co-review/complete`, { token, json: { decision: 'approve', comment: '同意' } });
    expect((await sign(h.token('officer'))).body.state).toBe('joint');
    const coWorklist = await h.call('GET', '/api/v1/tasks', { token: h.token('officer', DEPT_C) });
    expect(coWorklist.body.items.map((t: { instanceId: string }) => t.instanceId)).toContain(joint);
    expect((await sign(h.token('officer', DEPT_C))).body.state).toBe('decision');

    const returned = await h.call('POST', `/api/v1/instances/${joint}/return`, { token: h.token('head'), json: { to: 'review', reason: '材料需补充审查' } });
    expect([returned.status, returned.body.state]).toEqual([200, 'review']);
    const refused = await h.call('POST', `/api/v1/instances/${joint}/return`, { token: h.token('head'), json: { to: 'received', reason: 'x' } });
    expect(refused.status).toBe(409);

    const fresh = await caseAt(h, 'received');
    await h.call('POST', `/api/v1/instances/${fresh}/events/accept`, { token: h.token('window'), json: {} });
    expect((await h.call('POST', `/api/v1/instances/${fresh}/withdraw`, { token: h.token('officer'), json: { reason: 'x' } })).status).toBe(403);
    const withdrawn = await h.call('POST', `/api/v1/instances/${fresh}/withdraw`, { token: h.token('window'), json: { reason: '受理有误' } });
    expect([withdrawn.status, withdrawn.body.state]).toEqual([200, 'received']);
  });

  it('shows the audit trail with its hash-chain verification; masked for supervisors', async () => {
    const id = await caseAt(h, 'review');
    const own = await h.call('GET', `/api/v1/instances/${id}/audit`, { token: h.token('head') });
    expect(own.status).toBe(200);
    expect(own.body.verification).toMatchObject({ ok: true, events: 2, algorithm: 'sm3' });
    expect(own.body.events.map((e: { type: string }) => e.type)).toEqual(['govflow.start', 'accept']);
    expect(JSON.stringify(own.body.events)).toContain('520102199001011234');
    const auditor = await h.call('GET', `/api/v1/instances/${id}/audit`, { token: h.token('auditor', DEPT_B) });
    expect(auditor.status).toBe(200);
    expect(JSON.stringify(auditor.body.events)).not.toContain('520102199001011234');
    expect(auditor.body.events[0].hash).toBe(own.body.events[0].hash);
  });
});

describe('definitions', () => {
  const yaml = (id: string, department = DEPT_A, extra = '') => `id: ${id}
version: 1
title: { zh: 测试事项, en: Test item }
department: ${department}
category: licensing
events:
  done: { roles: [window] }
initial: open
states:
  open:
    task: { role: window }
    on: { done: { target: closed } }
  closed: { type: final, outcome: done }
${extra}`;

  it('validates YAML with positioned errors', async () => {
    const bad = await h.call('POST', '/api/v1/definitions/validate', { token: h.token('designer'), yaml: yaml('bad-item').replace('target: closed', 'target: nowhere') });
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('INVALID_DEFINITION');
    expect(bad.body.details[0]).toMatchObject({ file: 'definition.yaml', line: expect.any(Number), col: expect.any(Number), path: expect.stringContaining('states.open.on.done'), message: expect.stringContaining('nowhere') });
    const good = await h.call('POST', '/api/v1/definitions/validate', { token: h.token('designer'), yaml: yaml('good-item') });
    expect(good.body).toMatchObject({ ok: true, kind: 'process', id: 'good-item' });
    const bomb = `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n`;
    const bombed = await h.call('POST', '/api/v1/definitions/validate', { token: h.token('designer'), yaml: bomb });
    expect([bombed.status, bombed.body.code]).toEqual([422, 'INVALID_DEFINITION']);
    expect((await h.call('POST', '/api/v1/definitions/validate', { token: h.token('designer'), raw: { body: 'id: x', type: 'application/xml' } })).status).toBe(415);
  });

  it('publishes for the designer\'s own department only, immutably, and serves source, resolved form and diagram', async () => {
    const published = await h.call('POST', '/api/v1/definitions', { token: h.token('designer'), yaml: yaml('published-item') });
    expect(published.status).toBe(201);
    expect(published.body).toMatchObject({ id: 'published-item', version: 1, created: true, hashAlg: 'sm3' });
    expect((await h.call('POST', '/api/v1/definitions', { token: h.token('designer'), yaml: yaml('published-item') })).status).toBe(200);
    const changed = await h.call('POST', '/api/v1/definitions', { token: h.token('designer'), yaml: yaml('published-item', DEPT_A, 'description: 改过 changed') });
    expect([changed.status, changed.body.code]).toEqual([409, 'DEFINITION_CONFLICT']);
    const foreign = await h.call('POST', '/api/v1/definitions', { token: h.token('designer', DEPT_B), yaml: yaml('foreign-item') });
    expect([foreign.status, foreign.body.code]).toEqual([403, 'DEPARTMENT_MISMATCH']);
    const source = await h.call('GET', '/api/v1/definitions/published-item/versions/1/source', { token: h.token('window') });
    expect(source.headers.get('content-type')).toContain('application/yaml');
    expect(source.text).toBe(yaml('published-item'));
    const resolved = await h.call('GET', '/api/v1/definitions/published-item/versions/1', { token: h.token('window') });
    expect(resolved.body.resolved).toMatchObject({ id: 'published-item', department: DEPT_A });
    const diagram = await h.call('GET', '/api/v1/definitions/published-item/versions/1/diagram', { token: h.token('supervisor', DEPT_B) });
    expect(diagram.body.mermaid).toMatch(/^stateDiagram-v2/);
    expect((await h.call('GET', '/api/v1/definitions/published-item/versions/1/source', { token: h.token('window', DEPT_B) })).status).toBe(404);
    const versions = await h.call('GET', '/api/v1/definitions?id=published-item', { token: h.token('head') });
    expect(versions.body.items).toMatchObject([{ id: 'published-item', version: 1 }]);
    // An instance of the published version starts at once.
    expect((await h.call('POST', '/api/v1/instances', { token: h.token('window'), json: { definition: 'published-item', data: {} } })).status).toBe(201);
  });
});

describe('alerts, statistics, streams', () => {
  it('lists alerts in scope and acknowledges one with a comment, once', async () => {
    const id = await caseAt(h, 'received');
    await h.call('POST', `/api/v1/instances/${id}/events/flag`, { token: h.token('window'), json: {} });
    const list = await h.call('GET', `/api/v1/alerts?instanceId=${id}`, { token: h.token('supervisor', DEPT_B) });
    expect(list.body.items).toMatchObject([{ instanceId: id, level: 'yellow-card', escalateTo: 'supervising-office', acknowledgedAt: null }]);
    const alertId = list.body.items[0].id as string;
    expect((await h.call('GET', `/api/v1/alerts?instanceId=${id}`, { token: h.token('head', DEPT_B) })).body.items).toEqual([]);
    const ack = await h.call('POST', `/api/v1/alerts/${alertId}/acknowledge`, { token: h.token('head'), json: { comment: '已督促承办人加快办理' } });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ acknowledgedBy: 'head-market-regulation', acknowledgements: [{ comment: '已督促承办人加快办理' }] });
    const again = await h.call('POST', `/api/v1/alerts/${alertId}/acknowledge`, { token: h.token('supervisor'), json: { comment: '复核' } });
    expect([again.status, again.body.code]).toEqual([409, 'ALREADY_ACKNOWLEDGED']);
    expect((await h.call('GET', `/api/v1/alerts/${alertId}`, { token: h.token('auditor') })).body.acknowledgements).toHaveLength(2);
    expect((await h.call('POST', `/api/v1/alerts/${alertId}/acknowledge`, { token: h.token('window'), json: { comment: 'x' } })).status).toBe(403);
  });

  it('raises ladder alerts when timers fire, and reports them in department statistics', async () => {
    const id = await caseAt(h, 'review');
    const scheduler = new TimerScheduler({ db: h.store.db, runtime: h.runtime, clock: h.clock });
    h.clock.advance(31 * 60_000);
    await scheduler.drain();
    const alerts = await h.call('GET', `/api/v1/alerts?instanceId=${id}`, { token: h.token('officer') });
    expect(alerts.body.items.map((a: { level: string }) => a.level).sort()).toEqual(['reminder', 'yellow-card']);
    // Statistics are projections of the audit log: bring them up to date first.
    await new StatsProjector({ db: h.store.db, calendar: calendars.get('cn-mainland')!, definitions: h.runtime.registry }).catchUp();
    const stats = await h.call('GET', '/api/v1/stats/departments', { token: h.token('supervisor') });
    const a = stats.body.departments.find((d: { department: string }) => d.department === DEPT_A);
    expect(a.received).toBeGreaterThan(0);
    expect(a.cards.yellowCard).toBeGreaterThan(0);
    const head = await h.call('GET', '/api/v1/stats/departments', { token: h.token('head', DEPT_B) });
    expect(head.body.departments.every((d: { department: string }) => d.department === DEPT_B)).toBe(true);
  });

  it('streams one case\'s progress over SSE', async () => {
    const id = await caseAt(h, 'received');
    const relay = new OutboxRelay({ db: h.store.db, dispatchers: [createBusDispatcher(h.store.bus)] });
    await relay.drain();
    const response = await h.api.app.request(`/api/v1/streams/instances/${id}`, { headers: { authorization: `Bearer ${h.token('officer')}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const sse = readSse(response);
    expect((await sse.next()).event).toBe('ready');
    await h.call('POST', `/api/v1/instances/${id}/events/accept`, { token: h.token('window'), json: {} });
    await relay.drain();
    const events = [];
    for (;;) {
      const e = await sse.next();
      events.push(e);
      if (e.event === 'instance.changed') break;
    }
    expect(JSON.parse(events.at(-1)!.data)).toMatchObject({ instanceId: id, seq: 2, type: 'accept', to: 'review' });
    await sse.cancel();
    // A client that reconnects with Last-Event-ID gets what it missed, in order, before anything new.
    await h.call('POST', `/api/v1/instances/${id}/events/note`, { token: h.token('window'), json: { payload: { text: '断线期间' } } });
    const resumed = readSse(
      await h.api.app.request(`/api/v1/streams/instances/${id}`, { headers: { authorization: `Bearer ${h.token('officer')}`, 'Last-Event-ID': events.at(-1)!.id! } }),
    );
    expect((await resumed.next()).event).toBe('ready');
    const missed = await resumed.next();
    expect([missed.event, JSON.parse(missed.data).seq, JSON.parse(missed.data).type]).toEqual(['instance.changed', 3, 'note']);
    await resumed.cancel();
    const foreign = await h.api.app.request(`/api/v1/streams/instances/${id}`, { headers: { authorization: `Bearer ${h.token('officer', DEPT_B)}` } });
    expect(foreign.status).toBe(404);
  });

  it('streams alerts and task changes only within the subscriber\'s scope', async () => {
    const relay = new OutboxRelay({ db: h.store.db, dispatchers: [createBusDispatcher(h.store.bus)] });
    const caseA = await caseAt(h, 'received');
    const { instanceId: caseB } = await h.runtime.start(h.def, { applicant: { name: '交通' } }, actor('window', DEPT_B), { department: DEPT_B, region: '520000' });
    await relay.drain();
    const open = async (path: string, token: string) => {
      const response = await h.api.app.request(path, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      const sse = readSse(response);
      expect((await sse.next()).event).toBe('ready');
      return sse;
    };
    const supervisorAlerts = await open('/api/v1/streams/alerts', h.token('supervisor'));
    const officerBAlerts = await open('/api/v1/streams/alerts', h.token('officer', DEPT_B));
    const windowBTasks = await open('/api/v1/streams/tasks', h.token('window', DEPT_B));
    await h.runtime.send(caseA, 'flag', { actor: actor('window') });
    await h.runtime.send(caseB, 'flag', { actor: actor('window', DEPT_B) });
    await h.runtime.send(caseA, 'accept', { actor: actor('window') });
    await h.runtime.send(caseB, 'accept', { actor: actor('window', DEPT_B) });
    await relay.drain();
    const nextOf = async (sse: ReturnType<typeof readSse>, event: string) => {
      for (;;) {
        const e = await sse.next();
        if (e.event === event) return JSON.parse(e.data) as { instanceId: string; level?: string };
      }
    };
    // Department A's messages went out first; a stream outside A's scope sees B's as its first.
    expect((await nextOf(supervisorAlerts, 'alert')).instanceId).toBe(caseA);
    expect((await nextOf(supervisorAlerts, 'alert')).instanceId).toBe(caseB);
    expect(await nextOf(officerBAlerts, 'alert')).toMatchObject({ instanceId: caseB, level: 'yellow-card' });
    expect((await nextOf(windowBTasks, 'tasks.changed')).instanceId).toBe(caseB);
    for (const sse of [supervisorAlerts, officerBAlerts, windowBTasks]) await sse.cancel();
  });
});

describe('errors, tokens, documentation', () => {
  it('answers every failure as {code, message, details} without stack traces, and logs with personal data masked', async () => {
    const unknown = await h.call('GET', '/api/v1/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ code: 'ROUTE_NOT_FOUND', message: expect.any(String), details: [] });
    const noToken = await h.call('GET', '/api/v1/tasks');
    expect([noToken.status, noToken.body.code]).toEqual([401, 'UNAUTHENTICATED']);
    const badToken = await h.call('GET', '/api/v1/tasks', { token: 'gf_0000000000000000000000000000000000000000000' });
    expect(badToken.status).toBe(401);
    await h.call('POST', '/api/v1/applications', { json: { item: 'api-permit', data: { applicant: { name: '王五', idNumber: '520102198001011234', phone: '13900001111' } } } });
    const text = h.logLines.join('');
    expect(text).not.toContain('520102198001011234');
    expect(text).not.toContain('13900001111');
    const line = JSON.parse(h.logLines.find((l) => l.includes('"route":"POST /api/v1/applications"'))!);
    expect(line).toMatchObject({ reqId: expect.any(String), status: 201, instanceId: expect.any(String) });
  });

  it('records every denied attempt in the append-only security audit', async () => {
    const before = (await securityRows()).length;
    await h.call('GET', '/api/v1/tasks');
    await h.call('GET', '/api/v1/security-audit', { token: h.token('window') });
    const id = await caseAt(h, 'received');
    await h.call('GET', `/api/v1/instances/${id}`, { token: h.token('window', DEPT_B) });
    const rows = (await securityRows()).slice(before);
    expect(rows.map((r) => [r.status, r.code, r.action])).toEqual([
      [401, 'UNAUTHENTICATED', 'GET /api/v1/tasks'],
      [403, 'ROLE_FORBIDDEN', 'GET /api/v1/security-audit'],
      [404, 'NOT_FOUND', 'GET /api/v1/instances/{id}'],
    ]);
    expect(rows[2]).toMatchObject({ outcome: 'denied', resource: id, region: '520000', actor: { role: 'window', department: DEPT_B } });
    await expect(sql`delete from security_audit`.execute(h.store.db)).rejects.toThrow(/append-only/);
    const listed = await h.call('GET', '/api/v1/security-audit?outcome=denied&limit=3', { token: h.token('auditor') });
    expect(listed.body.items).toHaveLength(3);
  });

  it('lets an admin issue and revoke tokens within their region; a revoked token is refused', async () => {
    const issued = await h.call('POST', '/api/v1/tokens', { token: h.token('admin'), json: { role: 'officer', department: DEPT_A, name: '赵六' } });
    expect(issued.status).toBe(201);
    expect(issued.body.token).toMatch(/^gf_/);
    const me = await h.call('GET', '/api/v1/me', { token: issued.body.token });
    expect(me.body).toMatchObject({ id: '赵六', role: 'officer', department: DEPT_A, region: '520000' });
    const stored = await withApiTables(h.store.db).selectFrom('api_tokens').select(['token_hash', 'hash_alg']).where('id', '=', issued.body.id).executeTakeFirstOrThrow();
    expect(stored.hash_alg).toBe('sm3');
    expect(stored.token_hash).not.toContain(issued.body.token.slice(3));
    expect((await h.call('POST', '/api/v1/tokens', { token: h.token('admin'), json: { role: 'officer', department: DEPT_A, region: OTHER_REGION } })).status).toBe(403);
    expect((await h.call('DELETE', `/api/v1/tokens/${issued.body.id}`, { token: h.token('admin') })).status).toBe(200);
    expect((await h.call('GET', '/api/v1/me', { token: issued.body.token })).status).toBe(401);
  });

  it('publishes an OpenAPI 3.1 document built from the validating schemas, and docs served locally', async () => {
    const doc = await h.call('GET', '/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    for (const spec of h.api.routes.specs) {
      const op = doc.body.paths[spec.path]?.[spec.method];
      expect(op, `${spec.method} ${spec.path}`).toBeDefined();
      if (spec.body?.kind === 'json') expect(doc.body.components.schemas[spec.body.schema.name]).toEqual(spec.body.schema.schema);
    }
    expect(Object.keys(doc.body.paths).length).toBeGreaterThanOrEqual(30);
    const docs = await h.call('GET', '/docs');
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('/docs/docs.js');
    expect(docs.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await h.call('GET', '/docs/docs.js')).status).toBe(200);
    const home = await h.call('GET', '/');
    expect(home.text).toContain('/docs');
    expect((await h.call('GET', '/..%2Fpackage.json')).status).toBe(404);
  });
});


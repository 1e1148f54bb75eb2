import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { escalateDueAlerts } from '../../adapters/alerts/escalate-due-alerts.ts';
import { createBusDispatcher } from '../../adapters/outbox/bus-dispatcher.ts';
import { OutboxRelay } from '../../adapters/outbox/outbox-relay.ts';
import { openPostgresStore } from '../../adapters/storage/open-postgres.ts';
import type { Database } from '../../adapters/storage/database.ts';
import type { Store } from '../../adapters/storage/store.ts';
import { feedEnd, replayFeed } from '../../api/http/streams/feed.ts';
import { BACKENDS, testDatabaseUrl } from '../support/test-database.ts';
import { DEPT_A, DEPT_B, actor, caseAt, openHarness, type Harness } from './support/api-harness.ts';
import { readSse, type SseEvent } from './support/sse-reader.ts';

/**
 * Resuming the department-wide streams: a client that reconnects with `Last-Event-ID` gets what
 * it missed while away — in order, once, and only what its scope shows — and then live messages.
 * Alert acknowledgements and escalations arrive like raised alerts. On PostgreSQL, a message whose
 * transaction commits after a later one is still handed on first, and a rolled-back one is passed over.
 */

type Stream = ReturnType<typeof readSse>;

async function open(h: Harness, path: string, token: string, lastEventId?: string): Promise<Stream> {
  const response = await h.api.app.request(path, { headers: { authorization: `Bearer ${token}`, ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}) } });
  expect(response.status).toBe(200);
  const sse = readSse(response);
  expect((await sse.next()).event).toBe('ready');
  return sse;
}

async function take(sse: Stream, n: number): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  while (events.length < n) events.push(await sse.next());
  return events;
}

const data = (e: SseEvent) => JSON.parse(e.data) as Record<string, unknown>;

/** Starts a case of `department` and accepts it: two `instance.changed` messages. */
async function acceptedCase(h: Harness, department: string): Promise<string> {
  const { instanceId } = await h.runtime.start(h.def, { applicant: { name: '续传' } }, actor('window', department), { department, region: '520000' });
  await h.runtime.send(instanceId, 'accept', { actor: actor('window', department) });
  return instanceId;
}

for (const kind of BACKENDS) {
  describe(`resuming department and alert streams [${kind}]`, () => {
    let h: Harness;
    let relay: OutboxRelay;
    let failed = false;
    beforeAll(async () => {
      h = await openHarness(`stream resume ${kind}`, kind);
      relay = new OutboxRelay({ db: h.store.db, dispatchers: [createBusDispatcher(h.store.bus)] });
    });
    beforeEach(({ onTestFailed }) => onTestFailed(() => void (failed = true)));
    afterAll(async () => h?.close(failed));

    it('replays the task changes a department missed, in order and once, then goes on live', async () => {
      const sse = await open(h, '/api/v1/streams/tasks', h.token('window'));
      const first = await acceptedCase(h, DEPT_A);
      await relay.drain();
      const seen = await take(sse, 2);
      expect(seen.map((e) => [e.event, data(e)['instanceId'], data(e)['seq']])).toEqual([
        ['tasks.changed', first, 1],
        ['tasks.changed', first, 2],
      ]);
      await sse.cancel();

      // While the client is away: two of its department's cases and one of another department's.
      const second = await acceptedCase(h, DEPT_A);
      const foreign = await acceptedCase(h, DEPT_B);
      await h.runtime.send(first, 'note', { actor: actor('window'), payload: { text: '断线期间' } });
      await relay.drain();

      const resumed = await open(h, '/api/v1/streams/tasks', h.token('window'), seen.at(-1)!.id);
      const missed = await take(resumed, 3);
      expect(missed.map((e) => [data(e)['instanceId'], data(e)['seq']])).toEqual([
        [second, 1],
        [second, 2],
        [first, 3],
      ]);
      expect(missed.every((e) => e.event === 'tasks.changed' && e.id !== undefined)).toBe(true);
      const third = await acceptedCase(h, DEPT_A);
      await relay.drain();
      const live = await take(resumed, 2);
      expect(live.map((e) => [data(e)['instanceId'], data(e)['seq']])).toEqual([
        [third, 1],
        [third, 2],
      ]);
      const ids = [...seen, ...missed, ...live].map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...missed, ...live].some((e) => data(e)['instanceId'] === foreign)).toBe(false);
      await resumed.cancel();

      // The other department, resuming from the same point, gets only its own case.
      const other = await open(h, '/api/v1/streams/tasks', h.token('window', DEPT_B), seen.at(-1)!.id);
      expect((await take(other, 2)).map((e) => [data(e)['instanceId'], data(e)['seq']])).toEqual([
        [foreign, 1],
        [foreign, 2],
      ]);
      await other.cancel();
    });

    it('pushes acknowledgements and escalations on the alert stream, and replays them after a reconnect', async () => {
      const caseId = await caseAt(h, 'received');
      const sse = await open(h, '/api/v1/streams/alerts', h.token('head'));
      await h.runtime.send(caseId, 'flag', { actor: actor('window') });
      await relay.drain();
      const [raised] = await take(sse, 1);
      const alertId = data(raised!)['alertId'] as string;
      expect([raised!.event, data(raised!)['change']]).toEqual(['alert', undefined]);

      const ack = await h.call('POST', `/api/v1/alerts/${alertId}/acknowledge`, { token: h.token('head'), json: { comment: '已督办' } });
      expect(ack.status).toBe(200);
      await relay.drain();
      const [acknowledged] = await take(sse, 1);
      expect(data(acknowledged!)).toMatchObject({ alertId, change: 'acknowledged', acknowledgedBy: `head-${DEPT_A}`, instanceId: caseId });
      await sse.cancel();

      // Away: a second comment on it, a new alert that is escalated, and an alert of another department.
      expect((await h.call('POST', `/api/v1/alerts/${alertId}/acknowledge`, { token: h.token('supervisor'), json: { comment: '补充意见' } })).status).toBe(409);
      const other = await caseAt(h, 'received');
      await h.runtime.send(other, 'flag', { actor: actor('window') });
      const escalated = await h.store.db.transaction().execute((trx) => escalateDueAlerts(trx, { afterMs: 0, levels: ['yellow-card'], target: 'supervising-office' }, 1000));
      const { instanceId: foreign } = await h.runtime.start(h.def, { applicant: { name: '交通' } }, actor('window', DEPT_B), { department: DEPT_B, region: '520000' });
      await h.runtime.send(foreign, 'flag', { actor: actor('window', DEPT_B) });
      await relay.drain();

      const resumed = await open(h, '/api/v1/streams/alerts', h.token('head'), acknowledged!.id);
      const otherAlert = (await h.store.db.selectFrom('alerts').select('id').where('instance_id', '=', other).executeTakeFirstOrThrow()).id;
      const escalatedHere = escalated.filter((e) => e.instanceId === other || e.instanceId === caseId).map((e) => e.alertId);
      expect(escalatedHere).toEqual([otherAlert]);
      const missed = await take(resumed, 3);
      expect(missed.map((e) => [data(e)['alertId'], data(e)['change'] ?? 'raised'])).toEqual([
        [alertId, 'commented'],
        [otherAlert, 'raised'],
        [otherAlert, 'escalated'],
      ]);
      // Each event's id is its outbox row's position.
      const escalation = await h.store.db.selectFrom('outbox').select('position').where('idempotency_key', '=', `alert:${otherAlert}:escalated`).executeTakeFirstOrThrow();
      expect(missed.at(-1)!.id).toBe(String(escalation.position));
      await resumed.cancel();

      // A supervisor of the region resuming from the same point also sees the other department's alert.
      const supervisor = await open(h, '/api/v1/streams/alerts', h.token('supervisor', DEPT_B), acknowledged!.id);
      const regionWide = await take(supervisor, 4);
      expect(regionWide.map((e) => data(e)['instanceId'])).toEqual([caseId, other, other, foreign]);
      await supervisor.cancel();
    });

    it("follows a case's course from its audit rows, the event that ends it naming its outcome", async () => {
      const from = await feedEnd(h.store.db);
      const instanceId = await caseAt(h, 'approved');
      await h.runtime.send(instanceId, 'note', { actor: actor('window'), payload: { text: '办结后' } }).catch(() => undefined);
      const messages = await replayFeed(h.store.db, { after: from, upTo: await feedEnd(h.store.db) }, { instanceId, topic: 'instance.changed' }, 100);
      const audit = await h.store.db.selectFrom('audit_events').select(['seq', 'type', 'payload']).where('instance_id', '=', instanceId).orderBy('seq').execute();
      expect(messages.map((m) => m.payload)).toEqual(
        audit.map((a, i) => ({
          instanceId,
          seq: a.seq,
          type: a.type,
          from: a.payload['from'] ?? '',
          to: a.payload['to'],
          status: i === audit.length - 1 ? 'done' : 'active',
          outcome: i === audit.length - 1 ? 'approved' : null,
        })),
      );
      expect(messages.map((m) => [m.topic, m.department, m.region])).toEqual(audit.map(() => ['instance.changed', DEPT_A, '520000']));
      expect(messages.map((m) => m.position)).toEqual([...messages.map((m) => m.position)].sort((a, b) => a - b));
    });

    it('tells a client it cannot resume from an id it does not know', async () => {
      const position = (await feedEnd(h.store.db)) + 1000;
      for (const id of ['alert:no-such-message', String(position), '0', '-1', '1e3', '9'.repeat(40)]) {
        const sse = await open(h, '/api/v1/streams/alerts', h.token('head'), id);
        const [first] = await take(sse, 1);
        expect([id, first!.event, data(first!)['reason']]).toEqual([id, 'resync', 'LAST_EVENT_UNKNOWN']);
        await sse.cancel();
      }
    });
  });
}

describe('the feed order on PostgreSQL, with transactions committing out of order', () => {
  let h: Harness;
  let writer: Store;
  let failed = false;
  beforeAll(async () => {
    h = await openHarness('stream feed order', 'postgres');
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(h.store.db);
    writer = await openPostgresStore({ connectionString: testDatabaseUrl(), schema: rows[0]!.schema, max: 2 });
  });
  beforeEach(({ onTestFailed }) => onTestFailed(() => void (failed = true)));
  afterAll(async () => {
    await writer?.close();
    await h?.close(failed);
  });

  /** Writes one `instance.changed` row for `instanceId` in `trx`, as the runtime would. */
  const insertRow = (trx: Transaction<Database>, instanceId: string, seq: number) =>
    trx
      .insertInto('outbox')
      .values({ idempotency_key: `${instanceId}:${seq}:0`, instance_id: instanceId, region: '520000', topic: 'instance.changed', payload: JSON.stringify({ seq }) })
      .execute();

  /** Runs `write` in a transaction of the second node that stays open (its feed positions drawn) until `commit()`. */
  async function keptOpen(write: (trx: Transaction<Database>) => Promise<unknown>): Promise<{ commit(): Promise<void> }> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let written!: () => void;
    const drawn = new Promise<void>((resolve) => (written = resolve));
    const done = writer.db.transaction().execute(async (trx) => {
      await write(trx);
      written();
      await released;
    });
    await Promise.race([drawn, done]);
    return {
      async commit() {
        release();
        await done;
      },
    };
  }

  /** The stream's next event, once the hub has been seen holding it back for a position still missing. */
  async function heldBack(sse: Stream): Promise<{ first: Promise<SseEvent> }> {
    let handedOn = false;
    const first = sse.next().finally(() => (handedOn = true));
    await until(() => h.api.streams.holding !== undefined || handedOn);
    expect(handedOn).toBe(false);
    return { first };
  }

  it('holds a later message back until an earlier one commits, and passes over one rolled back', async () => {
    const caseId = await caseAt(h, 'received');
    const sse = await open(h, '/api/v1/streams/tasks', h.token('window'));
    const wake = () => h.store.bus.publish({ topic: 'wake', key: randomUUID(), instanceId: caseId, region: '520000', payload: {} });

    // The earlier position is drawn in a transaction that stays open while a later one commits.
    const early = await keptOpen((trx) => insertRow(trx, caseId, 10));
    await h.store.db.transaction().execute((trx) => insertRow(trx, caseId, 11));
    await wake();
    // The hub sees the gap and waits for the open transaction rather than handing on seq 11.
    const { first } = await heldBack(sse);
    await early.commit();
    await wake();
    expect([data(await first)['seq'], data(await sse.next())['seq']]).toEqual([10, 11]);

    // A position drawn by a transaction that rolls back never fills in: the hub goes past it.
    await writer.db
      .transaction()
      .execute(async (trx) => {
        await insertRow(trx, caseId, 12);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    await h.store.db.transaction().execute((trx) => insertRow(trx, caseId, 13));
    await wake();
    const [after] = await take(sse, 1);
    expect(data(after!)['seq']).toBe(13);
    expect(h.api.streams.holding).toBeUndefined();
    await sse.cancel();
  });

  it('holds back a case change whose audit row commits after a later one, then hands both on in feed order', async () => {
    const early = await caseAt(h, 'received');
    const late = await caseAt(h, 'received');
    const sse = await open(h, '/api/v1/streams/tasks', h.token('window'));
    // The earlier feed position is the audit row (no outbox row) of a command whose transaction stays open.
    const held = await keptOpen((trx) => h.runtime.send(early, 'note', { actor: actor('window'), payload: { text: '先' }, trx }));
    await h.runtime.send(late, 'note', { actor: actor('window'), payload: { text: '后' } });
    h.api.streams.wake();
    const { first } = await heldBack(sse);
    await held.commit();
    h.api.streams.wake();
    const events = [await first, await sse.next()];
    expect(events.map((e) => [e.event, data(e)['instanceId'], data(e)['seq'], data(e)['to'], data(e)['status']])).toEqual([
      ['tasks.changed', early, 2, 'received', 'active'],
      ['tasks.changed', late, 2, 'received', 'active'],
    ]);
    expect(Number(events[1]!.id)).toBeGreaterThan(Number(events[0]!.id));
    await sse.cancel();
  });
});

/** Resolves once `check` holds, looking again on each turn of the event loop (bounded by the test timeout). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setImmediate(resolve));
}

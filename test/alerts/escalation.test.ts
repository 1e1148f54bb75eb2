import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AlertEscalator } from '../../adapters/alerts/alert-escalator.ts';
import { withAlertTables } from '../../adapters/alerts/alert-tables.ts';
import { escalateDueAlerts } from '../../adapters/alerts/escalate-due-alerts.ts';
import type { EscalationPolicy } from '../../adapters/alerts/escalation-policy.ts';
import { createBusDispatcher } from '../../adapters/outbox/bus-dispatcher.ts';
import { OutboxRelay } from '../../adapters/outbox/outbox-relay.ts';
import { openPostgresStore } from '../../adapters/storage/open-postgres.ts';
import { TimerScheduler } from '../../adapters/timers/timer-scheduler.ts';
import { DEPT_A, DEPT_B, caseAt, openHarness, type Harness } from '../api/support/api-harness.ts';
import { readSse } from '../api/support/sse-reader.ts';
import { BACKENDS, testDatabaseUrl } from '../support/test-database.ts';

/**
 * Escalation of unacknowledged alerts to the supervising office, acknowledgement with a comment,
 * and the history of both, through the job and the HTTP handlers (`app.request`, no socket), on
 * both backends; on PostgreSQL, two escalation workers on separate connections escalate each
 * alert exactly once.
 */

const HOUR = 3_600_000;
const policy = (afterMs: number, levels: string[] = ['yellow-card', 'red-card', 'step-overdue']): EscalationPolicy => ({ afterMs, levels, target: 'supervising-office' });

async function databaseNow(h: Harness): Promise<number> {
  const { rows } = await sql<{ now: Date }>`select now() as now`.execute(h.store.db);
  return rows[0]!.now.getTime();
}

/** Moves the runtime's clock to `at` (the test clock only moves forward). */
function clockTo(h: Harness, at: number): void {
  if (at < h.clock.now()) throw new Error(`test clock is ahead of ${new Date(at).toISOString()}; tests of one file must move forward`);
  h.clock.set(at);
}

/** A received case with a yellow card raised on it (the fixture's `flag` event names `escalate: supervising-office`). */
async function flaggedCase(h: Harness): Promise<{ instanceId: string; alertId: string }> {
  const instanceId = await caseAt(h, 'received');
  const flagged = await h.call('POST', `/api/v1/instances/${instanceId}/events/flag`, { token: h.token('window'), json: {} });
  expect(flagged.status).toBe(200);
  const row = await h.store.db.selectFrom('alerts').select('id').where('instance_id', '=', instanceId).executeTakeFirstOrThrow();
  return { instanceId, alertId: row.id };
}

for (const kind of BACKENDS) {
  describe(`alert escalation and acknowledgement [${kind}]`, () => {
    let h: Harness;
    let failed = false;
    let now: number;
    beforeAll(async () => {
      h = await openHarness(`alert escalation ${kind}`, kind);
      now = await databaseNow(h);
    });
    beforeEach(({ onTestFailed }) => onTestFailed(() => void (failed = true)));
    afterAll(async () => h?.close(failed));

    it('escalates only what nobody acknowledged within the wait, by the database clock, once, with its record and outbox messages', async () => {
      clockTo(h, now - 3 * HOUR);
      const old = await flaggedCase(h);
      const acknowledged = await flaggedCase(h);
      const ack = await h.call('POST', `/api/v1/alerts/${acknowledged.alertId}/acknowledge`, { token: h.token('head'), json: { comment: '已处理' } });
      expect(ack.status).toBe(200);
      clockTo(h, now - 1 * HOUR);
      const recent = await flaggedCase(h);

      const escalator = new AlertEscalator({ db: h.store.db, policy: policy(2 * HOUR) });
      const first = await escalator.drain();
      expect(first).toBe(1);
      expect(await escalator.drain()).toBe(0);

      const rows = await withAlertTables(h.store.db)
        .selectFrom('alerts')
        .select(['id', 'escalated_at', 'escalated_to', 'raised_at'])
        .where('id', 'in', [old.alertId, acknowledged.alertId, recent.alertId])
        .execute();
      const byId = new Map(rows.map((r) => [r.id, r]));
      expect(byId.get(old.alertId)).toMatchObject({ escalated_to: 'supervising-office' });
      expect(byId.get(old.alertId)!.escalated_at!.getTime()).toBeGreaterThanOrEqual(now);
      expect(byId.get(acknowledged.alertId)).toMatchObject({ escalated_at: null, escalated_to: null });
      expect(byId.get(recent.alertId)).toMatchObject({ escalated_at: null });

      const record = await withAlertTables(h.store.db).selectFrom('alert_escalations').selectAll().where('alert_id', '=', old.alertId).executeTakeFirstOrThrow();
      expect(record).toMatchObject({ instance_id: old.instanceId, department: DEPT_A, escalated_to: 'supervising-office', actor: { id: 'govflow', role: 'system', job: 'alert-escalation' } });
      expect(Number(record.waited_ms)).toBeGreaterThanOrEqual(2 * HOUR);
      const outbox = await h.store.db.selectFrom('outbox').select(['topic', 'idempotency_key', 'payload']).where('idempotency_key', 'like', `alert:${old.alertId}:%`).orderBy('idempotency_key').execute();
      expect(outbox.map((m) => [m.topic, m.idempotency_key])).toEqual([
        ['alert', `alert:${old.alertId}:escalated`],
        ['notify', `alert:${old.alertId}:escalated:notify`],
      ]);
      expect(outbox[0]!.payload).toMatchObject({ alertId: old.alertId, change: 'escalated', level: 'yellow-card', escalatedTo: 'supervising-office' });
      expect((outbox[0]!.payload['message'] as { zh: string }).zh).toMatch(/^黄牌预警 3小时(\d+分钟)? 未签收，已上报电子监察室：/);

      // A shorter wait takes the recent one too; the acknowledged one never goes.
      expect(await new AlertEscalator({ db: h.store.db, policy: policy(30 * 60_000) }).drain()).toBe(1);
      const recentRow = await withAlertTables(h.store.db).selectFrom('alerts').select('escalated_at').where('id', '=', recent.alertId).executeTakeFirstOrThrow();
      expect(recentRow.escalated_at).not.toBeNull();
      expect(await withAlertTables(h.store.db).selectFrom('alert_escalations').select('alert_id').where('alert_id', '=', acknowledged.alertId).execute()).toEqual([]);
    });

    it('acknowledges with a comment and answers the history: raised, escalated, acknowledged, commented — who and when — linked to the case', async () => {
      clockTo(h, now - 50 * 60_000);
      const { instanceId, alertId } = await flaggedCase(h);
      expect(await new AlertEscalator({ db: h.store.db, policy: policy(40 * 60_000) }).drain()).toBeGreaterThanOrEqual(1);

      const open = await h.call('GET', `/api/v1/supervision/alerts?instanceId=${instanceId}&status=escalated`, { token: h.token('supervisor', DEPT_B) });
      expect(open.status).toBe(200);
      expect(open.body.items).toMatchObject([{ id: alertId, status: 'escalated', escalatedTo: 'supervising-office', instance: { id: instanceId, href: `/api/v1/instances/${instanceId}` } }]);
      expect(open.body.escalation).toEqual({ afterMs: 4 * HOUR, levels: ['yellow-card', 'red-card', 'step-overdue'], target: 'supervising-office' });

      clockTo(h, now);
      const ack = await h.call('POST', `/api/v1/alerts/${alertId}/acknowledge`, { token: h.token('supervisor'), json: { comment: '已约谈承办科室，限期办结' } });
      expect(ack.status).toBe(200);
      const again = await h.call('POST', `/api/v1/alerts/${alertId}/acknowledge`, { token: h.token('head'), json: { comment: '已于当日办结，申请人电话 13812345678' } });
      expect([again.status, again.body.code]).toEqual([409, 'ALREADY_ACKNOWLEDGED']);

      const history = await h.call('GET', `/api/v1/alerts/${alertId}/history`, { token: h.token('auditor') });
      expect(history.status).toBe(200);
      expect(history.body.alert).toMatchObject({ id: alertId, status: 'acknowledged', acknowledgedBy: 'supervisor-market-regulation', instance: { id: instanceId }, clock: null });
      expect(history.body.history.map((e: { kind: string }) => e.kind)).toEqual(['raised', 'escalated', 'acknowledged', 'commented']);
      expect(history.body.history[1]).toMatchObject({ to: 'supervising-office', actor: { role: 'system' } });
      expect(history.body.history[2]).toMatchObject({ actor: { id: 'supervisor-market-regulation', role: 'supervisor' }, comment: '已约谈承办科室，限期办结', at: new Date(now).toISOString() });
      // Comments are free text: personal data in them is masked like everywhere else.
      expect(history.body.history[3]).toMatchObject({ actor: { id: 'head-market-regulation', role: 'head' }, comment: '已于当日办结，申请人电话 138****5678' });

      for (const status of ['open', 'escalated'] as const) {
        const list = await h.call('GET', `/api/v1/supervision/alerts?instanceId=${instanceId}&status=${status}`, { token: h.token('supervisor') });
        expect(list.body.items).toEqual([]);
      }
      const done = await h.call('GET', `/api/v1/supervision/alerts?instanceId=${instanceId}&status=acknowledged`, { token: h.token('head') });
      expect(done.body.items.map((a: { id: string }) => a.id)).toEqual([alertId]);
    });

    it('keeps alerts in scope: another department answers 404 like a missing alert, and only heads and supervisors acknowledge', async () => {
      const { alertId } = await flaggedCase(h);
      expect((await h.call('GET', `/api/v1/alerts/${alertId}/history`, { token: h.token('head', DEPT_B) })).status).toBe(404);
      expect((await h.call('GET', `/api/v1/alerts/00000000-0000-4000-8000-000000000000/history`, { token: h.token('head') })).status).toBe(404);
      expect((await h.call('GET', `/api/v1/alerts/${alertId}/history`, { token: h.token('window') })).status).toBe(200);
      expect((await h.call('POST', `/api/v1/alerts/${alertId}/acknowledge`, { token: h.token('officer'), json: { comment: '无权' } })).status).toBe(403);
      expect((await h.call('GET', `/api/v1/supervision/alerts?status=nope`, { token: h.token('supervisor') })).status).toBe(400);
      expect((await h.call('GET', `/api/v1/supervision/alerts`)).status).toBe(401);
    });

    it('pushes an escalation to the live alert stream', async () => {
      const relay = new OutboxRelay({ db: h.store.db, dispatchers: [createBusDispatcher(h.store.bus)] });
      await relay.drain();
      const response = await h.api.app.request('/api/v1/streams/alerts', { headers: { authorization: `Bearer ${h.token('supervisor', DEPT_B)}` } });
      expect(response.status).toBe(200);
      const sse = readSse(response);
      expect((await sse.next()).event).toBe('ready');
      const { instanceId, alertId } = await flaggedCase(h);
      await relay.drain();
      const raised = await nextAbout(sse, alertId);
      expect([raised.event, JSON.parse(raised.data).change]).toEqual(['alert', undefined]);

      const escalated = await escalateWhenDue(h, alertId);
      expect(escalated).toBe(true);
      await relay.drain();
      const pushed = await nextAbout(sse, alertId);
      expect(pushed.event).toBe('alert');
      const row = await h.store.db.selectFrom('outbox').select('position').where('idempotency_key', '=', `alert:${alertId}:escalated`).executeTakeFirstOrThrow();
      expect(pushed.id).toBe(String(row.position));
      expect(JSON.parse(pushed.data)).toMatchObject({ instanceId, alertId, change: 'escalated', level: 'yellow-card', escalatedTo: 'supervising-office' });
      await sse.cancel();
    });
    it('links a clock alert to its clock, and escalates the levels the policy names', async () => {
      clockTo(h, Math.max(h.clock.now(), now) + 1000);
      const at = h.clock.now();
      const instanceId = await caseAt(h, 'review');
      // The fixture's 30-minute reply clock: its rungs lie in the past by the database clock
      // only once the runtime clock is ahead — fire them with the scheduler at `at + 31 min`.
      const scheduler = new TimerScheduler({ db: h.store.db, runtime: h.runtime, clock: { now: () => at + 31 * 60_000 } });
      await scheduler.drain();
      const alerts = await h.store.db.selectFrom('alerts').select(['id', 'level', 'clock', 'rung']).where('instance_id', '=', instanceId).orderBy('rung').execute();
      expect(alerts.map((a) => [a.level, a.clock, a.rung])).toEqual([
        ['reminder', 'reply', 0],
        ['yellow-card', 'reply', 1],
      ]);
      const history = await h.call('GET', `/api/v1/alerts/${alerts[0]!.id}/history`, { token: h.token('supervisor') });
      expect(history.body.alert.clock).toEqual({ name: 'reply', rung: 0, href: `/api/v1/supervision/cases/${instanceId}` });
      expect(history.body.clock).toMatchObject({ name: 'reply', status: 'running', unit: 'min', limit: 30, paused: 0 });
      expect(history.body.history).toMatchObject([{ kind: 'raised', level: 'reminder', clock: 'reply', rung: 0 }]);

      const clocks = await h.call('GET', `/api/v1/supervision/cases/${instanceId}`, { token: h.token('supervisor') });
      expect(clocks.status).toBe(200);
      expect(clocks.body.clocks).toMatchObject([{ name: 'reply', status: 'running', consumed: expect.any(Number), paused: 0, remaining: expect.any(Number) }]);
      expect(clocks.body.states['review']).toEqual({ zh: '审查', en: 'Review' });

      // These rungs were raised "in the future" of the database clock: no wait has passed yet.
      const escalated = await h.store.db.transaction().execute((trx) => escalateDueAlerts(trx, policy(0, ['reminder']), 1000));
      expect(escalated.filter((e) => e.instanceId === instanceId)).toEqual([]);
    });

  });
}

/** The next stream event about `alertId` (other alerts in scope may come between). */
async function nextAbout(sse: ReturnType<typeof readSse>, alertId: string) {
  for (;;) {
    const e = await sse.next();
    if (e.event === 'alert' && JSON.parse(e.data).alertId === alertId) return e;
  }
}

/** Escalates `alertId` with a wait of zero: it is due as soon as the database clock passed its raising. */
async function escalateWhenDue(h: Harness, alertId: string): Promise<boolean> {
  const escalated = await h.store.db.transaction().execute((trx) => escalateDueAlerts(trx, policy(0), 1000));
  return escalated.some((e) => e.alertId === alertId);
}

describe('two escalation workers on one PostgreSQL database', () => {
  let h: Harness;
  let failed = false;
  beforeAll(async () => {
    h = await openHarness('alert escalation workers', 'postgres');
  });
  beforeEach(({ onTestFailed }) => onTestFailed(() => void (failed = true)));
  afterAll(async () => h?.close(failed));

  it('escalate each alert exactly once: rows another worker holds are skipped, not waited for, and never escalated twice', async () => {
    const other = await openPostgresStore({ connectionString: testDatabaseUrl(), schema: h.store.schema, max: 2 });
    try {
      const now = await databaseNow(h);
      clockTo(h, now - HOUR);
      const alerts = new Set<string>();
      for (let i = 0; i < 24; i++) alerts.add((await flaggedCase(h)).alertId);
      const wait = policy(30 * 60_000);

      // Worker A claims five and holds them in an open transaction; worker B, on its own
      // connection, takes everything else without waiting for A.
      const a = await h.store.db.transaction().execute(async (trx) => {
        const held = await escalateDueAlerts(trx, wait, 5);
        expect(held).toHaveLength(5);
        const b = await new AlertEscalator({ db: other.db, policy: wait, batchSize: 4 }).drain();
        expect(b).toBe(alerts.size - 5);
        return held.map((e) => e.alertId);
      });
      expect(a.every((id) => alerts.has(id))).toBe(true);

      // Then both drain concurrently over a fresh set, in small batches that interleave.
      clockTo(h, now - HOUR / 2);
      const more = new Set<string>();
      for (let i = 0; i < 24; i++) more.add((await flaggedCase(h)).alertId);
      const byA: string[] = [];
      const byB: string[] = [];
      const workerA = new AlertEscalator({ db: h.store.db, policy: policy(10 * 60_000), batchSize: 3 });
      const workerB = new AlertEscalator({ db: other.db, policy: policy(10 * 60_000), batchSize: 3 });
      workerA.on('batch', (batch) => byA.push(...batch.map((e) => e.alertId)));
      workerB.on('batch', (batch) => byB.push(...batch.map((e) => e.alertId)));
      await Promise.all([workerA.drain(), workerB.drain()]);
      expect(new Set([...byA, ...byB]).size).toBe(byA.length + byB.length);
      expect([...more].every((id) => byA.includes(id) || byB.includes(id))).toBe(true);

      const everything = [...alerts, ...more];
      const records = await withAlertTables(h.store.db).selectFrom('alert_escalations').select('alert_id').where('alert_id', 'in', everything).execute();
      expect(records).toHaveLength(everything.length);
      const messages = await h.store.db
        .selectFrom('outbox')
        .select([sql<number>`count(*)::int`.as('n'), sql<number>`count(distinct idempotency_key)::int`.as('keys')])
        .where('idempotency_key', 'like', 'alert:%:escalated%')
        .executeTakeFirstOrThrow();
      expect(messages.n).toBe(messages.keys);
      expect(messages.n).toBe(2 * everything.length);
      expect(await new AlertEscalator({ db: other.db, policy: policy(0) }).drain()).toBe(0);
    } finally {
      await other.close();
    }
  });
});

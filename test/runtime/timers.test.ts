import { once } from 'node:events';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { listAuditPartitions } from '../../adapters/audit/audit-partitions.ts';
import { verifyAudit } from '../../adapters/audit/verify-audit.ts';
import { TestClock } from '../../adapters/runtime/clock.ts';
import { createRuntime } from '../../adapters/runtime/runtime.ts';
import { FIRST_CLAIM, TimerScheduler } from '../../adapters/timers/timer-scheduler.ts';
import { describeEachBackend } from '../support/each-backend.ts';
import { snapshotsNotMatchingReplay } from '../support/replay-check.ts';
import { actors, loadFixture } from '../support/runtime-fixture.ts';

const permit = loadFixture('runtime-permit');
const timed = loadFixture('timed-reply');
const DAY = 86_400_000;
const T0 = Date.parse('2026-03-02T01:00:00Z');
const MIN = 60_000;

describeEachBackend('timer scheduler', (store) => {
  it('fires the ladder and the expiry through the command path, each once, at their due instants', async () => {
    const { db } = store();
    const clock = new TestClock(T0);
    const rt = createRuntime({ db, clock });
    const scheduler = new TimerScheduler({ db, runtime: rt, clock, batchSize: 2 });
    const { instanceId } = await rt.start(permit, { applicant: '张三' }, actors.applicant);
    await rt.send(instanceId, 'accept', { actor: actors.window });

    clock.advance(19 * MIN);
    expect(await scheduler.drain()).toMatchObject({ claimed: 0 });
    clock.advance(1 * MIN + 250);
    expect(await scheduler.drain()).toEqual({ claimed: 1, fired: 1, stale: 0, failed: 0, maxLateMs: 250 });
    let alerts = await db.selectFrom('alerts').select(['level', 'escalate_to']).where('instance_id', '=', instanceId).execute();
    expect(alerts).toEqual([{ level: 'reminder', escalate_to: null }]);

    clock.advance(10 * MIN);
    expect(await scheduler.drain()).toMatchObject({ claimed: 2, fired: 2, failed: 0 });
    alerts = await db.selectFrom('alerts').select(['level', 'escalate_to']).where('instance_id', '=', instanceId).orderBy('seq').execute();
    expect(alerts).toEqual([
      { level: 'reminder', escalate_to: null },
      { level: 'yellow-card', escalate_to: 'supervising-office' },
    ]);
    const instance = await db.selectFrom('instances').select(['status', 'outcome', 'version']).where('id', '=', instanceId).executeTakeFirstOrThrow();
    expect(instance).toEqual({ status: 'done', outcome: 'deemed-granted', version: 5 });
    expect(await db.selectFrom('timers').select('timer_id').where('instance_id', '=', instanceId).execute()).toEqual([]);
    const fired = await db.selectFrom('audit_events').select(['seq', 'payload']).where('instance_id', '=', instanceId).where('type', '=', 'govflow.timer').orderBy('seq').execute();
    expect(fired.map((f) => [f.payload['timerId'], f.payload['lateMs']])).toEqual([
      ['clock:reply:r0', 250],
      ['clock:reply:r1', 250],
      ['clock:reply:expiry', 250],
    ]);
    expect(await verifyAudit(db, { instanceId })).toMatchObject({ ok: true, events: 5 });
    expect(await snapshotsNotMatchingReplay(db, permit)).toEqual([]);
  });

  it('claims all of an instance\'s due timers in one lane, so one drain fires them all, the yellow card before the expiry', async () => {
    const { db } = store();
    const clock = new TestClock(T0);
    const rt = createRuntime({ db, clock });
    const scheduler = new TimerScheduler({ db, runtime: rt, clock, batchSize: 5, concurrency: 4 });
    const drains: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const { instanceId } = await rt.start(permit, { applicant: `并发${i}` }, actors.applicant);
      await rt.send(instanceId, 'accept', { actor: actors.window });
      ids.push(instanceId);
      clock.advance(31 * MIN);
      drains.push((await scheduler.drain()).fired);
    }
    expect(drains).toEqual(ids.map(() => 3));
    const cards = await db.selectFrom('alerts').select('level').where('instance_id', 'in', ids).where('level', '=', 'yellow-card').execute();
    expect(cards).toHaveLength(40);
  });

  it('cancels timers when the case ends first, and consumes a stale timer without an event', async () => {
    const { db } = store();
    const clock = new TestClock(T0);
    const rt = createRuntime({ db, clock });
    const scheduler = new TimerScheduler({ db, runtime: rt, clock });
    const { instanceId } = await rt.start(permit, { applicant: '李四' }, actors.applicant);
    await rt.send(instanceId, 'accept', { actor: actors.window });
    await rt.send(instanceId, 'approve', { actor: actors.head });
    expect(await db.selectFrom('timers').select('timer_id').where('instance_id', '=', instanceId).execute()).toEqual([]);
    // A timer the instance no longer expects (as if a cancel had raced with an old arm).
    await db.insertInto('timers').values({ instance_id: instanceId, timer_id: 'clock:reply:r0', clock: 'reply', due_at: new Date(T0), region: '520000', armed_at: new Date(T0) }).execute();
    clock.advance(MIN);
    expect(await scheduler.drain()).toMatchObject({ claimed: 1, fired: 0, stale: 1 });
    expect(await db.selectFrom('instances').select('version').where('id', '=', instanceId).executeTakeFirst()).toEqual({ version: 3 });
  });

  it('ends cases with heap-only updates: the rows change status without touching an index of theirs', async () => {
    const { db } = store();
    const clock = new TestClock(T0);
    const rt = createRuntime({ db, clock });
    // Two rows: even on one page, their new versions fit in the room the fill factor leaves (30 % of 8 KiB).
    const ids: string[] = [];
    for (let n = 0; n < 2; n++) ids.push((await rt.start(timed, { n }, actors.applicant)).instanceId);
    const timers = await db.selectFrom('timers').select(['instance_id', 'timer_id', 'due_at']).where('instance_id', 'in', ids).execute();
    clock.advance(11 * MIN);
    const counts = await db.transaction().execute(async (trx) => {
      // The connection's counts not yet reported may include earlier transactions: compare before and after.
      const read = async () =>
        (
          await sql<{ updated: number; hot: number }>`
            select pg_stat_get_xact_tuples_updated(cast('instances' as regclass))::int as updated,
                   pg_stat_get_xact_tuples_hot_updated(cast('instances' as regclass))::int as hot`.execute(trx)
        ).rows[0]!;
      const before = await read();
      // These timers alone, as a claim would hand them over (other tests' timers may be due too).
      await trx.deleteFrom('timers').where('instance_id', 'in', ids).execute();
      const commands = timers.map((t) => ({ kind: 'timer' as const, instanceId: t.instance_id, timerId: t.timer_id, dueAt: t.due_at.getTime(), firedAt: clock.now() }));
      const outcomes = await rt.applyIn(trx, commands);
      expect(outcomes.map((o) => o.ok && o.result.status)).toEqual(ids.map(() => 'done'));
      const after = await read();
      return { updated: after.updated - before.updated, hot: after.hot - before.hot };
    });
    expect(counts).toEqual({ updated: 2, hot: 2 });
  });

  it('after downtime, fires overdue timers at start by the database clock and records how late they were', async () => {
    const { db } = store();
    // The commands ran in March 2026; the database clock says it is much later now.
    const clock = new TestClock(T0);
    const rt = createRuntime({ db, clock });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { instanceId } = await rt.start(permit, { applicant: `申请人${i}` }, actors.applicant);
      await rt.send(instanceId, 'accept', { actor: actors.window });
      ids.push(instanceId);
    }
    const scheduler = new TimerScheduler({ db, runtime: rt, pollMs: 60_000 });
    const batch = once(scheduler, 'batch');
    scheduler.start();
    const [first] = (await batch) as [{ fired: number }];
    await scheduler.stop();
    expect(first.fired).toBeGreaterThan(0);
    const left = await db.selectFrom('timers').select('timer_id').where('instance_id', 'in', ids).execute();
    expect(left).toEqual([]);
    const fired = await db.selectFrom('audit_events').select(['payload', 'occurred_at']).where('instance_id', 'in', ids).where('type', '=', 'govflow.timer').execute();
    expect(fired).toHaveLength(9);
    for (const f of fired) {
      const { dueAt, firedAt, lateMs } = f.payload as { dueAt: number; firedAt: number; lateMs: number };
      expect(firedAt).toBe(f.occurred_at.getTime());
      expect(lateMs).toBe(firedAt - dueAt);
      expect(lateMs).toBeGreaterThan(30 * 86_400_000);
    }
    expect(await snapshotsNotMatchingReplay(db, permit)).toEqual([]);
  });

  it('drains with a small first claim per lane, each next claim four times larger up to the batch size', async () => {
    const { db } = store();
    await db.deleteFrom('timers').execute();
    const clock = new TestClock(T0);
    const rt = createRuntime({ db, clock });
    await Promise.all(Array.from({ length: 250 }, (_, n) => rt.start(timed, { n }, actors.applicant)));
    const scheduler = new TimerScheduler({ db, runtime: rt, clock, batchSize: 1000, concurrency: 1 });
    const claims: number[] = [];
    scheduler.on('batch', (b) => claims.push(b.claimed));
    clock.advance(3 * DAY);
    expect(await scheduler.drain()).toMatchObject({ claimed: 250, fired: 250, failed: 0 });
    expect(claims).toEqual([FIRST_CLAIM, 250 - FIRST_CLAIM]);
    expect(await db.selectFrom('timers').select('timer_id').execute()).toEqual([]);
  });

  it('warms up by planning the next firings without writing anything; they fire afterwards as usual', async () => {
    const { db } = store();
    await db.deleteFrom('timers').execute();
    const clock = new TestClock(T0);
    const rt = createRuntime({ db, clock });
    const ids = await Promise.all(Array.from({ length: 5 }, async (_, n) => (await rt.start(timed, { n }, actors.applicant)).instanceId));
    clock.advance(3 * DAY);
    const scheduler = new TimerScheduler({ db, runtime: rt, clock });
    const state = async () => ({
      timers: await db.selectFrom('timers').select(['instance_id', 'timer_id', 'due_at']).orderBy('instance_id').execute(),
      instances: await db.selectFrom('instances').select(['id', 'version', 'status']).where('id', 'in', ids).orderBy('id').execute(),
      events: await db.selectFrom('audit_events').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    });
    const before = await state();
    expect(before.timers).toHaveLength(5);
    await scheduler.warmUp();
    expect(await state()).toEqual(before);
    expect(await scheduler.drain()).toMatchObject({ claimed: 5, fired: 5 });
  });

  it('on the database clock, wakes at the next due instant instead of waiting out the poll interval', async () => {
    const { db } = store();
    await db.deleteFrom('timers').execute();
    const { rows } = await sql<{ now: Date }>`select now() as now`.execute(db);
    const dueAt = (rows[0] as { now: Date }).now.getTime() + 1500;
    const rt = createRuntime({ db, clock: { now: () => dueAt - 10 * MIN } });
    const { instanceId } = await rt.start(timed, { n: 1 }, actors.applicant);
    const scheduler = new TimerScheduler({ db, runtime: rt, pollMs: 600_000 });
    const seen: string[] = [];
    scheduler.on('idle', () => seen.push('idle'));
    const batch = once(scheduler, 'batch');
    scheduler.start();
    const [fired] = (await batch) as [{ fired: number }];
    await scheduler.stop();
    expect(seen).toEqual(['idle']);
    expect(fired).toMatchObject({ claimed: 1, fired: 1 });
    const event = await db.selectFrom('audit_events').select('payload').where('instance_id', '=', instanceId).where('type', '=', 'govflow.timer').executeTakeFirstOrThrow();
    expect(event.payload).toMatchObject({ dueAt });
    expect(event.payload['lateMs']).toBeGreaterThanOrEqual(0);
  });

  it("warms up by making the audit partitions of its clock's month, so the first batches need not", async () => {
    const { db } = store();
    const clock = new TestClock(Date.parse('2033-04-20T02:00:00Z'));
    const scheduler = new TimerScheduler({ db, runtime: createRuntime({ db, clock }), clock });
    expect(await listAuditPartitions(db)).not.toContain('audit_events_2033_04');
    await scheduler.warmUp();
    expect(await listAuditPartitions(db)).toEqual(expect.arrayContaining(['audit_events_2033_04', 'audit_events_2033_05']));
  });
});

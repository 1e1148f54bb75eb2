import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { verifyAudit } from '../../adapters/audit/verify-audit.ts';
import { isAdapterError, isConflictError, type ConflictError } from '../../adapters/errors.ts';
import { TestClock } from '../../adapters/runtime/clock.ts';
import { createRuntime } from '../../adapters/runtime/runtime.ts';
import { isEngineError } from '../../engine/index.ts';
import { describeEachBackend } from '../support/each-backend.ts';
import { transactionId, untilSomeoneWaitsFor } from '../support/lock-waiter.ts';
import { snapshotsNotMatchingReplay } from '../support/replay-check.ts';
import { actors, loadFixture } from '../support/runtime-fixture.ts';

const permit = loadFixture('runtime-permit');
const T0 = Date.parse('2026-03-02T01:00:00Z');

const count = async (db: import('kysely').Kysely<import('../../adapters/storage/database.ts').Database>, table: 'audit_events' | 'outbox' | 'idempotency_keys' | 'instances') =>
  Number((await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db)).rows[0]?.n);

describeEachBackend('runtime commands', (store, kind) => {
  const runtime = () => createRuntime({ db: store().db, clock: new TestClock(T0) });

  it('starts an instance and applies events, writing snapshot, chained audit, tasks, timers and outbox in one go', async () => {
    const { db } = store();
    const rt = runtime();
    const started = await rt.start(permit, { applicant: '张三', idCard: '520102199001011234' }, actors.applicant, { businessKey: `bk-${randomUUID()}` });
    expect(started).toMatchObject({ version: 1, status: 'active', outcome: null, state: 'received', duplicate: false });
    expect(started.receiptNo).toMatch(/^GF20260302\d{8}$/);
    const accepted = await rt.send(started.instanceId, 'accept', { actor: actors.window });
    expect(accepted).toMatchObject({ instanceId: started.instanceId, version: 2, state: 'review', receiptNo: started.receiptNo });

    const row = await db.selectFrom('instances').selectAll().where('id', '=', started.instanceId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ version: 2, status: 'active', region: '520000', department: 'market-regulation' });
    const tasks = await db.selectFrom('tasks').select(['task_id', 'status', 'close_reason']).where('instance_id', '=', started.instanceId).orderBy('task_id').execute();
    expect(tasks).toEqual([
      { task_id: 'received#received', status: 'closed', close_reason: 'left-state' },
      { task_id: 'review#review', status: 'open', close_reason: null },
    ]);
    const timers = await db.selectFrom('timers').select(['timer_id', 'due_at']).where('instance_id', '=', started.instanceId).orderBy('timer_id').execute();
    expect(timers.map((t) => [t.timer_id, t.due_at.getTime() - T0])).toEqual([
      ['clock:reply:expiry', 30 * 60_000],
      ['clock:reply:r0', 20 * 60_000],
      ['clock:reply:r1', 30 * 60_000],
    ]);
    const outbox = await db.selectFrom('outbox').select(['idempotency_key', 'topic']).where('instance_id', '=', started.instanceId).orderBy('idempotency_key').execute();
    expect(outbox.map((o) => o.topic)).toEqual(['notify']);
    expect(await verifyAudit(db, { instanceId: started.instanceId })).toMatchObject({ ok: true, events: 2 });
    expect(await snapshotsNotMatchingReplay(db, permit)).toEqual([]);
  });

  it('answers a repeated idempotency key with the first result and writes nothing new', async () => {
    const { db } = store();
    const rt = runtime();
    const key = `start-${randomUUID()}`;
    const first = await rt.start(permit, { applicant: '李四' }, actors.applicant, { idempotencyKey: key });
    const before = await Promise.all([count(db, 'audit_events'), count(db, 'outbox'), count(db, 'instances')]);
    const again = await rt.start(permit, { applicant: '李四' }, actors.applicant, { idempotencyKey: key });
    expect(again).toEqual({ ...first, duplicate: true });
    const sendKey = `send-${randomUUID()}`;
    const sent = await rt.send(first.instanceId, 'note', { actor: actors.window, payload: { n: 1 }, idempotencyKey: sendKey });
    const resent = await rt.send(first.instanceId, 'note', { actor: actors.window, payload: { n: 1 }, idempotencyKey: sendKey });
    expect(resent).toEqual({ ...sent, duplicate: true });
    const after = await Promise.all([count(db, 'audit_events'), count(db, 'outbox'), count(db, 'instances')]);
    expect(after).toEqual([before[0] + 1, before[1], before[2]]);
    const other = await rt.start(permit, { applicant: '王五' }, actors.applicant);
    const reused = rt.send(other.instanceId, 'note', { actor: actors.window, payload: { n: 2 }, idempotencyKey: sendKey });
    await expect(reused).rejects.toSatisfy((e) => isAdapterError(e, 'IDEMPOTENCY_KEY_REUSED'));
  });

  it('refuses what the engine refuses, and writes nothing for it', async () => {
    const { db } = store();
    const rt = runtime();
    const { instanceId } = await rt.start(permit, { applicant: '赵六' }, actors.applicant);
    const before = await count(db, 'audit_events');
    await expect(rt.send(instanceId, 'approve', { actor: actors.head })).rejects.toSatisfy((e) => isEngineError(e) && e.code === 'EVENT_NOT_ALLOWED');
    await expect(rt.send(instanceId, 'accept', { actor: actors.outsider })).rejects.toSatisfy((e) => isEngineError(e) && e.code === 'FORBIDDEN');
    await expect(rt.send(instanceId, 'note', { actor: actors.window, payload: { n: 'x' } })).rejects.toSatisfy((e) => isEngineError(e) && e.code === 'INVALID_PAYLOAD');
    await expect(rt.start(permit, { nobody: true }, actors.applicant)).rejects.toSatisfy((e) => isEngineError(e) && e.code === 'INVALID_DATA');
    await expect(rt.send(randomUUID(), 'accept', { actor: actors.window })).rejects.toSatisfy((e) => isAdapterError(e, 'INSTANCE_NOT_FOUND'));
    await expect(rt.send('not-a-uuid', 'accept', { actor: actors.window })).rejects.toSatisfy((e) => isAdapterError(e, 'INSTANCE_NOT_FOUND'));
    expect(await count(db, 'audit_events')).toBe(before);
  });

  it('lets exactly one of two commands for the same version win; the other learns the current version', async () => {
    const rt = runtime();
    const { instanceId } = await rt.start(permit, { applicant: '钱七' }, actors.applicant);
    const results = await Promise.allSettled([
      rt.send(instanceId, 'note', { actor: actors.window, payload: { n: 1 }, expectedVersion: 1 }),
      rt.send(instanceId, 'note', { actor: actors.window, payload: { n: 2 }, expectedVersion: 1 }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected')?.reason as ConflictError;
    expect(isConflictError(lost)).toBe(true);
    expect(lost).toMatchObject({ code: 'CONFLICT', currentVersion: 2, expectedVersion: 1 });
  });

  // PGlite has one connection: a second transaction cannot start while the first is open.
  it.runIf(kind === 'postgres')('makes the loser of a real race a ConflictError', async () => {
    const { db } = store();
    const rt = runtime();
    const { instanceId } = await rt.start(permit, { applicant: '孙八' }, actors.applicant);
    const trx = await db.startTransaction().execute();
    await rt.send(instanceId, 'note', { actor: actors.window, payload: { n: 1 }, trx });
    // The second command loads version 1 (the first is uncommitted) and waits on the row lock.
    const racing = rt.send(instanceId, 'note', { actor: actors.window, payload: { n: 2 } });
    await untilSomeoneWaitsFor(db, await transactionId(trx));
    await trx.commit().execute();
    await expect(racing).rejects.toMatchObject({ code: 'CONFLICT', currentVersion: 2 });
  });

  it("runs inside the caller's transaction: it commits or rolls back with it, and a refusal leaves it usable", async () => {
    const { db } = store();
    const rt = runtime();
    const kept = await db.transaction().execute(async (trx) => {
      const r = await rt.start(permit, { applicant: '周九' }, actors.applicant, { trx });
      await expect(rt.send(r.instanceId, 'approve', { actor: actors.head, trx })).rejects.toSatisfy(isEngineError);
      return rt.send(r.instanceId, 'accept', { actor: actors.window, trx });
    });
    expect(await db.selectFrom('instances').select('version').where('id', '=', kept.instanceId).executeTakeFirst()).toEqual({ version: 2 });
    let dropped = '';
    await expect(
      db.transaction().execute(async (trx) => {
        dropped = (await rt.start(permit, { applicant: '吴十' }, actors.applicant, { trx })).instanceId;
        throw new Error('caller changes its mind');
      }),
    ).rejects.toThrow('caller changes its mind');
    expect(await db.selectFrom('instances').select('id').where('id', '=', dropped).execute()).toEqual([]);
    expect(await db.selectFrom('audit_events').select('seq').where('instance_id', '=', dropped).execute()).toEqual([]);
  });

  it('refuses a business key already used, and text that jsonb cannot hold, without failing the others', async () => {
    const { db } = store();
    const rt = createRuntime({ db, clock: new TestClock(T0), groupCommit: { intervalMs: 5 } });
    const businessKey = `bk-${randomUUID()}`;
    const [a, b, c, d] = await Promise.allSettled([
      rt.start(permit, { applicant: '甲' }, actors.applicant, { businessKey }),
      rt.start(permit, { applicant: '乙' }, actors.applicant, { businessKey }),
      rt.start(permit, { applicant: 'nul\u0000' }, actors.applicant),
      rt.start(permit, { applicant: 'lone \ud800 surrogate' }, actors.applicant),
    ]);
    // Either may win (they can land in concurrent batches); the other learns the key is taken.
    expect([a.status, b.status].sort()).toEqual(['fulfilled', 'rejected']);
    expect([a, b].find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'BUSINESS_KEY_TAKEN' } });
    expect(c).toMatchObject({ status: 'rejected', reason: { code: 'UNSTORABLE_TEXT', details: { path: 'data.applicant' } } });
    expect(d).toMatchObject({ status: 'rejected', reason: { code: 'UNSTORABLE_TEXT' } });
    await rt.close();
  });

  it('refuses to republish a version with other content', async () => {
    const rt = runtime();
    await rt.publish(permit, actors.head);
    await expect(rt.publish({ ...permit, source: `${permit.source}\n# changed` }, actors.head)).rejects.toSatisfy((e) => isAdapterError(e, 'DEFINITION_CONFLICT'));
  });
});

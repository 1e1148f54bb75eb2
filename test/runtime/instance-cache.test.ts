import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { verifyAudit } from '../../adapters/audit/verify-audit.ts';
import { isConflictError, type ConflictError } from '../../adapters/errors.ts';
import { TestClock } from '../../adapters/runtime/clock.ts';
import { InstanceCache } from '../../adapters/runtime/instance-cache.ts';
import { createRuntime } from '../../adapters/runtime/runtime.ts';
import { describeEachBackend } from '../support/each-backend.ts';
import { snapshotsNotMatchingReplay } from '../support/replay-check.ts';
import { actors, loadFixture } from '../support/runtime-fixture.ts';

const permit = loadFixture('runtime-permit');
const T0 = Date.parse('2026-03-02T01:00:00Z');

describeEachBackend('runtime with remembered instance rows', (store) => {
  it('runs a command again on a fresh read when another node moved the instance on meanwhile', async () => {
    const { db } = store();
    const nodeA = createRuntime({ db, clock: new TestClock(T0) });
    const nodeB = createRuntime({ db, clock: new TestClock(T0) });
    await nodeB.publish(permit, actors.head);
    const { instanceId } = await nodeA.start(permit, { applicant: '赵六' }, actors.applicant);
    await nodeA.send(instanceId, 'note', { actor: actors.window, payload: { n: 1 } });
    // Node B moves the instance on twice; node A still remembers version 2.
    await nodeB.send(instanceId, 'note', { actor: actors.window, payload: { n: 2 } });
    await nodeB.send(instanceId, 'accept', { actor: actors.window });
    const third = await nodeA.send(instanceId, 'note', { actor: actors.window, payload: { n: 3 } });
    expect(third).toMatchObject({ version: 5, state: 'review', duplicate: false });
    const types = await db.selectFrom('audit_events').select(['seq', 'type']).where('instance_id', '=', instanceId).orderBy('seq').execute();
    expect(types.map((t) => t.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(await verifyAudit(db, { instanceId })).toMatchObject({ ok: true, events: 5 });
    expect(await snapshotsNotMatchingReplay(db, permit)).toEqual([]);
  });

  it('checks an expected version against the stored row, not the remembered one', async () => {
    const { db } = store();
    const nodeA = createRuntime({ db, clock: new TestClock(T0) });
    const nodeB = createRuntime({ db, clock: new TestClock(T0) });
    await nodeB.publish(permit, actors.head);
    const { instanceId } = await nodeA.start(permit, { applicant: '钱七' }, actors.applicant);
    await nodeB.send(instanceId, 'note', { actor: actors.window, payload: { n: 1 } });
    // Node A remembers version 1, the row is at 2: the caller's expectation of 2 is right.
    await expect(nodeA.send(instanceId, 'note', { actor: actors.window, payload: { n: 2 }, expectedVersion: 2 })).resolves.toMatchObject({ version: 3 });
    const refused = await nodeB.send(instanceId, 'note', { actor: actors.window, expectedVersion: 2 }).catch((e: unknown) => e);
    expect(isConflictError(refused)).toBe(true);
    expect(refused as ConflictError).toMatchObject({ expectedVersion: 2, currentVersion: 3 });
  });

  it('answers a repeated idempotency key on a remembered instance with the first result, writing nothing', async () => {
    const { db } = store();
    const nodeA = createRuntime({ db, clock: new TestClock(T0) });
    const nodeB = createRuntime({ db, clock: new TestClock(T0) });
    await nodeB.publish(permit, actors.head);
    const { instanceId } = await nodeA.start(permit, { applicant: '孙八' }, actors.applicant);
    const key = `k-${randomUUID()}`;
    // The first attempt lands on node B; the client's retry lands on node A, which remembers the instance.
    const first = await nodeB.send(instanceId, 'note', { actor: actors.window, payload: { n: 1 }, idempotencyKey: key });
    const events = async () => Number((await sql<{ n: number }>`select count(*)::int as n from audit_events where instance_id = ${instanceId}`.execute(db)).rows[0]?.n);
    const before = await events();
    await nodeA.send(instanceId, 'note', { actor: actors.window, payload: { n: 0 } });
    const retried = await nodeA.send(instanceId, 'note', { actor: actors.window, payload: { n: 1 }, idempotencyKey: key });
    expect(retried).toEqual({ ...first, duplicate: true });
    expect(await events()).toBe(before + 1);
    const startKey = `s-${randomUUID()}`;
    const started = await nodeB.start(permit, { applicant: '周九' }, actors.applicant, { idempotencyKey: startKey });
    expect(await nodeA.start(permit, { applicant: '周九' }, actors.applicant, { idempotencyKey: startKey })).toEqual({ ...started, duplicate: true });
  });

  it('never hands out a receipt number twice across nodes drawing ahead', async () => {
    const { db } = store();
    const nodes = [createRuntime({ db, clock: new TestClock(T0) }), createRuntime({ db, clock: new TestClock(T0) })];
    const receipts: string[] = [];
    for (let i = 0; i < 40; i++) receipts.push((await (nodes[i % 2] ?? nodes[0])!.start(permit, { applicant: `申请人${i}` }, actors.applicant)).receiptNo);
    expect(new Set(receipts).size).toBe(40);
  });
});

it('remembers at most its capacity, dropping the least recently used row', () => {
  const cache = new InstanceCache(2);
  const row = (id: string) => ({ id, definitionId: 'd', definitionVersion: 1, region: 'r', department: 'x', receiptNo: '', status: 'active', outcome: null, snapshot: {} as never, version: 1, auditHead: '' });
  cache.set(row('a'));
  cache.set(row('b'));
  cache.get('a');
  cache.set(row('c'));
  expect([cache.get('a')?.id, cache.get('b')?.id, cache.get('c')?.id]).toEqual(['a', undefined, 'c']);
  expect(cache.size).toBe(2);
  const off = new InstanceCache(0);
  off.set(row('a'));
  expect(off.size).toBe(0);
});

import { once } from 'node:events';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { verifyAudit } from '../../adapters/audit/verify-audit.ts';
import { createBusDispatcher } from '../../adapters/outbox/bus-dispatcher.ts';
import { OutboxRelay } from '../../adapters/outbox/outbox-relay.ts';
import { TestClock } from '../../adapters/runtime/clock.ts';
import { compileStoredWith } from '../../adapters/runtime/compile-stored.ts';
import { createRuntime } from '../../adapters/runtime/runtime.ts';
import { isEngineError } from '../../engine/index.ts';
import { collectBus } from '../support/bus-collector.ts';
import { describeEachBackend } from '../support/each-backend.ts';
import { snapshotsNotMatchingReplay } from '../support/replay-check.ts';
import { actors, calendars, loadFixture } from '../support/runtime-fixture.ts';

const permit = loadFixture('runtime-permit');
const T0 = Date.parse('2026-04-01T02:00:00Z');

describeEachBackend('group commit and delivery', (store) => {
  it('shares transactions among concurrent commands, keeps each instance in order, and isolates refusals', async () => {
    const { db } = store();
    const clock = new TestClock(T0);
    const rt = createRuntime({ db, clock, groupCommit: { intervalMs: 2, maxBatch: 64 } });
    const starts = await Promise.all(Array.from({ length: 20 }, (_, i) => rt.start(permit, { applicant: `申请人${i}` }, actors.applicant, { idempotencyKey: `gc-start-${i}` })));
    expect(new Set(starts.map((s) => s.receiptNo)).size).toBe(20);
    // Five notes per instance, all in flight together, plus one refused command per instance.
    const sends = starts.flatMap((s) => [
      ...Array.from({ length: 5 }, (_, n) => rt.send(s.instanceId, 'note', { actor: actors.window, payload: { n }, idempotencyKey: `gc-${s.instanceId}-${n}` })),
      rt.send(s.instanceId, 'approve', { actor: actors.head }).then(
        () => 'accepted?!',
        (e: unknown) => (isEngineError(e) ? e.code : 'other'),
      ),
    ]);
    const results = await Promise.all(sends);
    expect(results.filter((r) => r === 'EVENT_NOT_ALLOWED')).toHaveLength(20);
    for (const s of starts) {
      const row = await db.selectFrom('instances').select(['version', 'snapshot']).where('id', '=', s.instanceId).executeTakeFirstOrThrow();
      expect(row.version).toBe(6);
      // Commands for one instance apply in the order they were submitted.
      expect((row.snapshot as { data: { notes: number } }).data.notes).toBe(4);
    }
    const again = await rt.start(permit, { applicant: '申请人3' }, actors.applicant, { idempotencyKey: 'gc-start-3' });
    expect(again).toEqual({ ...starts[3], duplicate: true });
    await rt.close();
    await expect(rt.start(permit, { applicant: 'late' }, actors.applicant)).rejects.toMatchObject({ code: 'RUNTIME_CLOSED' });
    expect(await verifyAudit(db)).toMatchObject({ ok: true });
    expect(await snapshotsNotMatchingReplay(db, permit)).toEqual([]);
  });

  it('callers acknowledged together that send their next command at once share one transaction', async () => {
    const { db } = store();
    const rt = createRuntime({ db, clock: new TestClock(T0), groupCommit: { concurrency: 1 } });
    const ids = await Promise.all(Array.from({ length: 16 }, async (_, c) => (await rt.start(permit, { applicant: `并发${c}` }, actors.applicant)).instanceId));
    const rounds = 4;
    await Promise.all(
      ids.map(async (id) => {
        for (let n = 0; n < rounds; n++) await rt.send(id, 'note', { actor: actors.window, payload: { n } });
      }),
    );
    const { rows } = await sql<{ tx_id: string }>`
      select cast(tx_id as text) as tx_id from audit_events where instance_id in (${sql.join(ids)}) and seq > 1`.execute(db);
    expect(rows).toHaveLength(ids.length * rounds);
    // One transaction per round: each round's commands were all sent while the acknowledgements
    // of the previous round's transaction were being delivered.
    expect(new Set(rows.map((r) => r.tx_id)).size).toBe(rounds);
    await rt.close();
  });

  it('delivers every committed outbox row to bus subscribers, woken by the commit', async () => {
    const { db, bus } = store();
    const relay = new OutboxRelay({ db, dispatchers: [createBusDispatcher(bus)], pollMs: 3_600_000 });
    await relay.drain();
    relay.start();
    await once(relay, 'idle');
    const rt = createRuntime({ db, clock: new TestClock(T0), onCommitted: () => relay.wake() });
    const heard = await collectBus(bus);
    const { instanceId } = await rt.start(permit, { applicant: '张三' }, actors.applicant);
    await rt.send(instanceId, 'accept', { actor: actors.window });
    // The relay polls once an hour here: only the commits' wake-ups can have delivered these.
    const messages = await heard.until(1);
    await heard.stop();
    await relay.stop();
    expect(messages.map((m) => [m.topic, m.key])).toEqual([['notify', `${instanceId}:2:0`]]);
    expect(messages.find((m) => m.topic === 'notify')?.payload).toMatchObject({ to: 'applicant', template: 'accepted', channel: 'sms' });
  });

  it('continues instances of a version that this process only finds in the definitions table', async () => {
    const { db } = store();
    const clock = new TestClock(T0);
    const first = createRuntime({ db, clock });
    const { instanceId } = await first.start(permit, { applicant: '旧版本' }, actors.applicant);
    const restarted = createRuntime({ db, clock, compileStored: compileStoredWith(calendars) });
    expect(restarted.registry.get(permit.id, permit.version)).toBeUndefined();
    await expect(restarted.send(instanceId, 'accept', { actor: actors.window })).resolves.toMatchObject({ version: 2, state: 'review' });
    const withoutCompiler = createRuntime({ db, clock });
    await expect(withoutCompiler.send(instanceId, 'approve', { actor: actors.head })).rejects.toMatchObject({ code: 'DEFINITION_NOT_FOUND' });
  });
});

import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { expect, it } from 'vitest';
import type { Database } from '../../adapters/storage/database.ts';
import { parseStored } from '../../adapters/runtime/loaded-instance.ts';
import { claimDueTimers, rearmFailedTimers } from '../../adapters/timers/claim-due-timers.ts';
import { describeEachBackend } from '../support/each-backend.ts';
import { seedChain } from '../support/seed-chain.ts';

const T0 = Date.parse('2026-05-06T01:00:00Z');

async function armTimers(db: Kysely<Database>, instanceId: string, dues: number[]) {
  await db
    .insertInto('timers')
    .values(dues.map((due, i) => ({ instance_id: instanceId, timer_id: `t${i}`, clock: 'statutory', due_at: new Date(due), region: '520000', armed_at: new Date(T0) })))
    .execute();
}

async function clearTimers(db: Kysely<Database>) {
  await db.deleteFrom('timers').execute();
}

describeEachBackend('timer claims', (store, kind) => {
  it('takes only due timers, earliest first, and deletes them', async () => {
    const { db } = store();
    await clearTimers(db);
    const { instanceId } = await seedChain(db, { events: 1 });
    await armTimers(db, instanceId, [T0 + 3000, T0 + 1000, T0 + 2000, T0 + 9000]);
    const claimed = await db.transaction().execute((trx) => claimDueTimers(trx, 10, T0 + 5000));
    expect(claimed.map((t) => [t.timerId, t.dueAt, t.firedAt])).toEqual([
      ['t1', T0 + 1000, T0 + 5000],
      ['t2', T0 + 2000, T0 + 5000],
      ['t0', T0 + 3000, T0 + 5000],
    ]);
    // The instance row comes with the first of its timers only: the later ones fire after it changed.
    const row = await db.selectFrom('instances').select(['version', 'audit_head']).where('id', '=', instanceId).executeTakeFirstOrThrow();
    expect(claimed.map((t) => t.instance && { id: t.instance.id, version: t.instance.version, auditHead: t.instance.auditHead })).toEqual([
      { id: instanceId, version: row.version, auditHead: row.audit_head },
      undefined,
      undefined,
    ]);
    const left = await db.selectFrom('timers').select('timer_id').execute();
    expect(left).toEqual([{ timer_id: 't3' }]);
  });

  it('fires timers due at the same instant by rung, then by instance id, whatever order they were armed in', async () => {
    const { db } = store();
    await clearTimers(db);
    const seeded = await Promise.all([1, 2, 3, 4, 5].map(() => seedChain(db, { events: 1 })));
    const ids = seeded.map((s) => s.instanceId);
    // Armed in the reverse of id order, each instance with a yellow card (rung 0) and an expiry (rung 1) due together.
    for (const id of [...ids].sort().reverse()) {
      await db
        .insertInto('timers')
        .values([1, 0].map((order) => ({ instance_id: id, timer_id: `rung${order}`, clock: 'statutory', due_at: new Date(T0), fire_order: order, region: '520000', armed_at: new Date(T0) })))
        .execute();
    }
    const claimed = await db.transaction().execute((trx) => claimDueTimers(trx, 10, T0));
    const sorted = [...ids].sort();
    expect(claimed.map((t) => [t.instanceId, t.timerId])).toEqual([...sorted.map((id) => [id, 'rung0']), ...sorted.map((id) => [id, 'rung1'])]);
    // Claimed in three batches the same order comes out, one batch after the other.
    await clearTimers(db);
    for (const id of [...ids].sort().reverse()) {
      await db.insertInto('timers').values({ instance_id: id, timer_id: 'expiry', clock: 'statutory', due_at: new Date(T0), region: '520000', armed_at: new Date(T0) }).execute();
    }
    const batches: string[] = [];
    for (let k = 0; k < 3; k++) batches.push(...(await db.transaction().execute((trx) => claimDueTimers(trx, 2, T0))).map((t) => t.instanceId));
    expect(batches).toEqual(sorted);
  });

  it('hands over each instance row as stored, its snapshot intact whatever its text holds', async () => {
    const { db } = store();
    await clearTimers(db);
    const { instanceId } = await seedChain(db, { events: 1 });
    const snapshot = { value: 'waiting', data: { name: '张三', note: 'a\u001eb\u001fc\td\ne "q" \\', n: [1, 2.5, null] }, timers: { t0: T0 } };
    await db.updateTable('instances').set({ snapshot: JSON.stringify(snapshot) as never, outcome: null }).where('id', '=', instanceId).execute();
    await armTimers(db, instanceId, [T0, T0]);
    const [first, second] = await db.transaction().execute((trx) => claimDueTimers(trx, 10, T0));
    const row = await db.selectFrom('instances').selectAll().where('id', '=', instanceId).executeTakeFirstOrThrow();
    expect(first?.instance && parseStored(first.instance)).toEqual({
      id: instanceId,
      definitionId: row.definition_id,
      definitionVersion: row.definition_version,
      region: row.region,
      department: row.department,
      receiptNo: row.receipt_no,
      status: row.status,
      outcome: null,
      snapshot,
      version: row.version,
      auditHead: row.audit_head,
    });
    expect(second).toMatchObject({ instanceId, timerId: 't1', clock: 'statutory', region: '520000', dueAt: T0, fireOrder: 0, attempts: 0, firedAt: T0 });
    expect(second?.instance).toBeUndefined();
  });

  it('uses the database clock when given none', async () => {
    const { db } = store();
    await clearTimers(db);
    const { instanceId } = await seedChain(db, { events: 1 });
    await armTimers(db, instanceId, [Date.now() - 60_000, Date.now() + 3_600_000]);
    const claimed = await db.transaction().execute((trx) => claimDueTimers(trx, 10));
    expect(claimed.map((t) => t.timerId)).toEqual(['t0']);
    expect(claimed[0]?.firedAt).toBeGreaterThanOrEqual(claimed[0]?.dueAt ?? Infinity);
  });

  it('gives timers back when the claiming transaction rolls back', async () => {
    const { db } = store();
    await clearTimers(db);
    const { instanceId } = await seedChain(db, { events: 1 });
    await armTimers(db, instanceId, [T0, T0]);
    await expect(
      db.transaction().execute(async (trx) => {
        expect(await claimDueTimers(trx, 10, T0)).toHaveLength(2);
        throw new Error('crash before commit');
      }),
    ).rejects.toThrow('crash before commit');
    expect(await db.selectFrom('timers').select('timer_id').orderBy('timer_id').execute()).toHaveLength(2);
  });

  it('backs off a failed timer through retry_at and parks it after the last attempt', async () => {
    const { db } = store();
    await clearTimers(db);
    const { instanceId } = await seedChain(db, { events: 1 });
    await armTimers(db, instanceId, [T0]);
    await db.transaction().execute(async (trx) => {
      const [timer] = await claimDueTimers(trx, 10, T0 + 10);
      if (!timer) throw new Error('no timer');
      await rearmFailedTimers(trx, [{ timer, error: 'EngineError: boom' }], 2);
    });
    expect(await db.transaction().execute((trx) => claimDueTimers(trx, 10, T0 + 500))).toEqual([]);
    await db.transaction().execute(async (trx) => {
      const [timer] = await claimDueTimers(trx, 10, T0 + 1010);
      expect(timer).toMatchObject({ timerId: 't0', dueAt: T0, attempts: 1 });
      if (timer) await rearmFailedTimers(trx, [{ timer, error: 'EngineError: boom again' }], 2);
    });
    const parked = await db.selectFrom('timers').select(['due_at', 'attempts', 'last_error', sql<string>`retry_at::text`.as('retry')]).execute();
    expect(parked).toEqual([{ due_at: new Date(T0), attempts: 2, last_error: 'EngineError: boom again', retry: 'infinity' }]);
    expect(await db.transaction().execute((trx) => claimDueTimers(trx, 10, T0 + 365 * 86_400_000))).toEqual([]);
  });

  // PGlite serves one connection, so two transactions cannot be open at once there.
  it.runIf(kind === 'postgres')('skips timers another node holds, and timers of an instance a command holds', async () => {
    const { db } = store();
    await clearTimers(db);
    const a = await seedChain(db, { events: 1 });
    const b = await seedChain(db, { events: 1 });
    await armTimers(db, a.instanceId, [T0, T0 + 1, T0 + 2, T0 + 3]);
    await armTimers(db, b.instanceId, [T0 + 4]);
    const first = await db.startTransaction().execute();
    const command = await db.startTransaction().execute();
    try {
      const mine = await claimDueTimers(first, 2, T0 + 10);
      expect(mine.map((t) => t.timerId)).toEqual(['t0', 't1']);
      // A command on instance b holds its row: its timer is left for a later round, without waiting.
      await command.updateTable('instances').set({ updated_at: new Date() }).where('id', '=', b.instanceId).execute();
      // A second node: a's instance row is locked by the first claim, so it gets nothing of a either.
      const second = await db.transaction().execute((trx) => claimDueTimers(trx, 10, T0 + 10));
      expect(second).toEqual([]);
    } finally {
      await first.rollback().execute();
      await command.rollback().execute();
    }
    const all = await db.transaction().execute((trx) => claimDueTimers(trx, 10, T0 + 10));
    expect(all.map((t) => `${t.instanceId === a.instanceId ? 'a' : 'b'}:${t.timerId}`)).toEqual(['a:t0', 'a:t1', 'a:t2', 'a:t3', 'b:t0']);
  });

  it('claims a timer only while its instance exists', async () => {
    const { db } = store();
    await clearTimers(db);
    await armTimers(db, randomUUID(), [T0]);
    expect(await db.transaction().execute((trx) => claimDueTimers(trx, 10, T0))).toEqual([]);
  });
});

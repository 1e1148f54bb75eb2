import { sql } from 'kysely';
import { expect, it } from 'vitest';
import {
  dropExpiredAuditPartitions,
  ensureAuditPartitions,
  listAuditPartitions,
  shanghaiMonth,
} from '../../adapters/audit/audit-partitions.ts';
import { verifyAudit } from '../../adapters/audit/verify-audit.ts';
import { describeEachBackend } from '../support/each-backend.ts';
import { untilSomeoneWaitsForAdvisoryLock } from '../support/lock-waiter.ts';
import { seedChain } from '../support/seed-chain.ts';

const DAY = 86_400_000;
const partitionOf = (ms: number) => `audit_events_${shanghaiMonth(ms).replace('-', '_')}`;

describeEachBackend('audit partitions and retention', (store, kind) => {
  it('creates month partitions ahead, once', async () => {
    const { db } = store();
    const at = Date.parse('2031-01-15T00:00:00Z');
    expect(await ensureAuditPartitions(db, at, 2)).toBe(3);
    expect(await ensureAuditPartitions(db, at, 2)).toBe(0);
    const names = await listAuditPartitions(db);
    expect(names).toEqual(expect.arrayContaining(['audit_events_2031_01', 'audit_events_2031_02', 'audit_events_2031_03']));
  });

  // PGlite has one connection: a second transaction cannot start while the first is open.
  it.runIf(kind === 'postgres')('checks existing months without waiting for a transaction that is creating another', async () => {
    const { db } = store();
    const existing = Date.parse('2032-03-10T00:00:00Z');
    await ensureAuditPartitions(db, existing, 0);
    const creating = await db.startTransaction().execute();
    try {
      expect(await ensureAuditPartitions(creating, Date.parse('2032-06-10T00:00:00Z'), 0)).toBe(1);
      // The creator holds the partitions' lock until it ends; a check of an existing month must not wait for it.
      const checked = await db.transaction().execute(async (trx) => {
        await sql`set local lock_timeout = '5s'`.execute(trx);
        return ensureAuditPartitions(trx, existing, 0);
      });
      expect(checked).toBe(0);
    } finally {
      await creating.commit().execute();
    }
    expect(await listAuditPartitions(db)).toEqual(expect.arrayContaining(['audit_events_2032_03', 'audit_events_2032_06']));
  });

  it.runIf(kind === 'postgres')('creates a month once when two transactions find it missing together', async () => {
    const { db } = store();
    const at = Date.parse('2032-09-10T00:00:00Z');
    const first = await db.startTransaction().execute();
    expect(await ensureAuditPartitions(first, at, 0)).toBe(1);
    const second = ensureAuditPartitions(db, at, 0);
    await untilSomeoneWaitsForAdvisoryLock(db);
    await first.commit().execute();
    expect(await second).toBe(0);
    expect((await listAuditPartitions(db)).filter((n) => n === 'audit_events_2032_09')).toHaveLength(1);
  });

  it('cuts months at Asia/Shanghai midnight', async () => {
    const { db } = store();
    const { instanceId } = await seedChain(db, { events: 2, start: Date.parse('2030-06-30T15:59:59.999Z'), stepMs: 1 });
    const { rows } = await sql<{ part: string; seq: number }>`
      select tableoid::regclass::text as part, seq from audit_events where instance_id = ${instanceId} order by seq`.execute(db);
    expect(rows.map((r) => r.part.replace(/^.*\./, ''))).toEqual(['audit_events_2030_06', 'audit_events_2030_07']);
  });

  it('never drops a month younger than six months, and chains still verify afterwards', async () => {
    const { db } = store();
    const { rows } = await sql<{ now: Date }>`select now() as now`.execute(db);
    const now = (rows[0] as { now: Date }).now.getTime();
    const start = now - 400 * DAY;
    await ensureAuditPartitions(db, start, 14);
    // One chain from 400 days ago to now (an event every 20 days), one wholly in the past.
    const spanning = await seedChain(db, { events: 21, start, stepMs: 20 * DAY });
    const old = await seedChain(db, { events: 3, start: start + DAY, stepMs: DAY });
    const before = await listAuditPartitions(db);

    const dropped = await dropExpiredAuditPartitions(db, '1 month');

    const horizon = now - 183 * DAY;
    for (const name of dropped) expect(name < partitionOf(horizon)).toBe(true);
    expect(dropped).toContain(partitionOf(start));
    expect(dropped).not.toContain(partitionOf(now - 150 * DAY));
    expect(await listAuditPartitions(db)).toEqual(before.filter((n) => !dropped.includes(n)));
    const report = await verifyAudit(db);
    expect(report.problems.filter((p) => p.instanceId === spanning.instanceId || p.instanceId === old.instanceId)).toEqual([]);
    const anchors = await db.selectFrom('audit_anchors').selectAll().where('instance_id', '=', old.instanceId).execute();
    expect(anchors).toEqual([expect.objectContaining({ seq: 3, hash: old.rows[2]?.hash })]);
  });

  it('keeps everything when the retention period is longer than the data', async () => {
    const { db } = store();
    const before = await listAuditPartitions(db);
    expect(await dropExpiredAuditPartitions(db, '100 years')).toEqual([]);
    expect(await listAuditPartitions(db)).toEqual(before);
  });
});

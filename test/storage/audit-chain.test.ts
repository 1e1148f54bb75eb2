import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { verifyAudit } from '../../adapters/audit/verify-audit.ts';
import { describeEachBackend } from '../support/each-backend.ts';
import { seedChain } from '../support/seed-chain.ts';

describeEachBackend('audit chain', (store) => {
  it('verifies a chain written through the storage layer, read back through jsonb', async () => {
    const { instanceId } = await seedChain(store().db, { events: 12 });
    const report = await verifyAudit(store().db, { instanceId });
    expect(report).toEqual({ ok: true, instances: 1, events: 12, problems: [] });
  });

  it('refuses UPDATE, DELETE and TRUNCATE of audit rows', async () => {
    const { db } = store();
    const { instanceId } = await seedChain(db, { events: 2 });
    await expect(sql`update audit_events set type = 'x' where instance_id = ${instanceId}`.execute(db)).rejects.toMatchObject({ code: 'GF001' });
    await expect(sql`delete from audit_events where instance_id = ${instanceId}`.execute(db)).rejects.toMatchObject({ code: 'GF001' });
    await expect(sql`truncate audit_events`.execute(db)).rejects.toMatchObject({ code: 'GF001' });
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from audit_events where instance_id = ${instanceId}`.execute(db);
    expect(rows[0]?.n).toBe(2);
  });

  it('refuses changes to a published definition', async () => {
    const { db } = store();
    await seedChain(db, { events: 1 });
    await expect(sql`update definitions set source = 'changed'`.execute(db)).rejects.toMatchObject({ code: 'GF001' });
    await expect(sql`delete from definitions`.execute(db)).rejects.toMatchObject({ code: 'GF001' });
  });

  it('verifies every instance and pages through them', async () => {
    const { db } = store();
    for (let i = 0; i < 7; i++) await seedChain(db, { events: 1 + (i % 4) });
    const report = await verifyAudit(db, { pageSize: 3 });
    expect(report.ok).toBe(true);
    expect(report.instances).toBeGreaterThanOrEqual(7);
  });
});

import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifyAudit } from '../../adapters/audit/verify-audit.ts';
import { createRuntime } from '../../adapters/runtime/runtime.ts';
import { EngineChild } from '../support/child-driver.ts';
import { snapshotsNotMatchingReplay } from '../support/replay-check.ts';
import { actors, loadFixture } from '../support/runtime-fixture.ts';
import { openTestStore, testDatabaseUrl, type TestStore } from '../support/test-database.ts';

const timed = loadFixture('timed-reply');
const TIMERS = 5000;
const NODES = 3;

let store: TestStore;
let failed = false;
beforeAll(async () => {
  store = await openTestStore('postgres', 'several nodes');
});
afterAll(async () => {
  await store?.dispose(failed);
});

it(`fires ${TIMERS} timers due at the same instant exactly once across ${NODES} engine processes`, async () => {
  const { db } = store;
  const { rows } = await sql<{ now: Date }>`select now() as now`.execute(db);
  // All instances start at one instant an hour ago by the database clock: their 10-minute
  // timers are all due, at the same instant.
  const at = (rows[0] as { now: Date }).now.getTime() - 3_600_000;
  const rt = createRuntime({ db, clock: { now: () => at }, groupCommit: { intervalMs: 2, maxBatch: 500 } });
  await Promise.all(Array.from({ length: TIMERS }, (_, n) => rt.start(timed, { n }, actors.applicant)));
  await rt.close();
  const due = await db.selectFrom('timers').select([sql<number>`count(*)::int`.as('n'), sql<number>`count(distinct due_at)::int`.as('instants')]).executeTakeFirstOrThrow();
  expect(due).toEqual({ n: TIMERS, instants: 1 });

  const env = { DATABASE_URL: testDatabaseUrl(), GOVFLOW_SCHEMA: store.schema, CHILD_FIXTURE: 'timed-reply', CHILD_BATCH: '100' };
  const nodes = await Promise.all(Array.from({ length: NODES }, () => EngineChild.start('timers', env)));
  let firedByNodes: number[];
  try {
    const drained = nodes.map((n) => n.next((m) => m.t === 'drained'));
    for (const n of nodes) n.tell('go');
    firedByNodes = (await Promise.all(drained)).map((m) => (m.t === 'drained' ? m.fired : -1));
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await Promise.all(nodes.map((n) => n.end()));
  }

  expect(firedByNodes.reduce((a, b) => a + b, 0)).toBe(TIMERS);
  const fired = await sql<{ n: number; instances: number; late: number }>`
    select count(*)::int as n, count(distinct instance_id)::int as instances, min((payload->>'lateMs')::bigint)::int as late
    from audit_events where type = 'govflow.timer'`.execute(db);
  expect(fired.rows[0]).toMatchObject({ n: TIMERS, instances: TIMERS });
  expect(fired.rows[0]?.late).toBeGreaterThanOrEqual(50 * 60_000);
  expect(await db.selectFrom('timers').select('timer_id').execute()).toEqual([]);
  const ended = await db.selectFrom('instances').select([sql<number>`count(*)::int`.as('n')]).where('outcome', '=', 'lapsed').executeTakeFirstOrThrow();
  expect(ended.n).toBe(TIMERS);
  expect(await verifyAudit(db)).toMatchObject({ ok: true, events: 2 * TIMERS });
  expect(await snapshotsNotMatchingReplay(db, timed)).toEqual([]);
});

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { expect, inject, it } from 'vitest';
import { verifyAudit } from '../../adapters/audit/verify-audit.ts';
import type { Database } from '../../adapters/storage/database.ts';
import { openPGliteStore } from '../../adapters/storage/open-pglite.ts';
import { NOTES, runCrashLoad, type CrashLoadResult } from '../support/crash-load.ts';
import { snapshotsNotMatchingReplay } from '../support/replay-check.ts';
import { loadFixture } from '../support/runtime-fixture.ts';
import { openTestStore, testDatabaseUrl } from '../support/test-database.ts';

const permit = loadFixture('runtime-permit');
/** The commands' clock runs 40 minutes behind the database clock: every 30-minute timer is due when armed. */
const SHIFT = String(-40 * 60_000);

/** Every acknowledged command once, no gaps, replayable snapshots, each timer fired once. */
async function expectExactlyOnce(db: Kysely<Database>, load: CrashLoadResult, instances: number): Promise<void> {
  expect(load.acked.size).toBe(instances * (NOTES + 2));
  const keys = await db.selectFrom('idempotency_keys').select(['key', 'result']).execute();
  expect(keys.length).toBe(load.acked.size);
  for (const k of keys) expect({ ...k.result, duplicate: false }).toMatchObject({ ...load.acked.get(k.key), duplicate: false });
  const { rows } = await sql<{ types: string[]; notes: number[]; timers: string[]; version: number; status: string; outcome: string }>`
    select i.version, i.status, i.outcome,
      array_agg(a.type order by a.seq) as types,
      array_agg((a.payload->'payload'->>'n')::int order by (a.payload->'payload'->>'n')::int) filter (where a.type = 'note') as notes,
      array_agg(a.payload->>'timerId' order by a.payload->>'timerId') filter (where a.type = 'govflow.timer') as timers
    from instances i join audit_events a on a.instance_id = i.id group by i.id`.execute(db);
  expect(rows).toHaveLength(instances);
  for (const r of rows) {
    expect(r.types.slice(0, 8)).toEqual(['govflow.start', ...Array<string>(NOTES).fill('note'), 'accept']);
    expect(r.notes).toEqual([0, 1, 2, 3, 4, 5]);
    expect(r.timers).toEqual(['clock:reply:expiry', 'clock:reply:r0', 'clock:reply:r1']);
    expect(r).toMatchObject({ version: 11, status: 'done', outcome: 'deemed-granted' });
  }
  expect(await db.selectFrom('timers').select('timer_id').execute()).toEqual([]);
  expect(await verifyAudit(db)).toMatchObject({ ok: true, instances, events: instances * 11 });
  expect(await snapshotsNotMatchingReplay(db, permit)).toEqual([]);
}

it('PostgreSQL: survives repeated SIGKILL of the engine under load; every acknowledged command applied once', async () => {
  const store = await openTestStore('postgres', 'crash');
  let ok = false;
  try {
    const env = { DATABASE_URL: testDatabaseUrl(), GOVFLOW_SCHEMA: store.schema, GOVFLOW_CLOCK_SHIFT_MS: SHIFT };
    const killAt = [300, 800, 1300, 1800, 2300, 2800];
    const load = await runCrashLoad(env, 400, killAt);
    expect(load.kills).toBe(killAt.length);
    await expectExactlyOnce(store.db, load, 400);
    ok = true;
  } finally {
    await store.dispose(!ok);
  }
});

it('PGlite: the embedded database survives SIGKILL of its process the same way', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'govflow-crash-'));
  const dataDir = path.join(dir, 'db');
  try {
    const seeded = await openPGliteStore({ dataDir, loadDataDir: new Blob([await readFile(inject('pgliteSnapshot'))]) });
    await seeded.close();
    const killAt = [150, 400, 650];
    const env = { DATABASE_URL: '', GOVFLOW_DATA_DIR: dataDir, GOVFLOW_CLOCK_SHIFT_MS: SHIFT };
    const load = await runCrashLoad(env, 100, killAt);
    expect(load.kills).toBe(killAt.length);
    const store = await openPGliteStore({ dataDir });
    try {
      await expectExactlyOnce(store.db, load, 100);
    } finally {
      await store.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

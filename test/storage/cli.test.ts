import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, expect, inject, it } from 'vitest';
import { runAuditPartitions, runAuditVerify } from '../../api/cli/commands/audit.ts';
import { runMigrate } from '../../api/cli/commands/migrate.ts';
import { openPGliteStore } from '../../adapters/storage/open-pglite.ts';
import { migrations } from '../../adapters/storage/migrations/index.ts';
import { openStore } from '../../adapters/storage/open-store.ts';
import { createRuntime } from '../../adapters/runtime/runtime.ts';
import { actors, loadFixture } from '../support/runtime-fixture.ts';
import { seedChain } from '../support/seed-chain.ts';
import { dropSchema, freshSchemaName, openTestStore, testDatabaseUrl } from '../support/test-database.ts';

const LATEST = migrations.at(-1)?.version;
const scratch = await mkdtemp(path.join(os.tmpdir(), 'govflow-cli-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** `govflow worker` on the test database's `schema`, polling every 50 ms. */
function spawnWorker(schema: string) {
  return spawn(process.execPath, ['bin/govflow.mjs', 'worker', '--poll', '50'], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    env: { ...process.env, DATABASE_URL: testDatabaseUrl(), GOVFLOW_SCHEMA: schema },
  });
}

/** Runs a command action with `env`, capturing what it prints. */
async function run(action: (io: { out: (t: string) => void; env: NodeJS.ProcessEnv }) => Promise<number>, env: NodeJS.ProcessEnv) {
  let text = '';
  const code = await action({ out: (t) => (text += t), env });
  return { code, text };
}

it('embedded: creates the data directory with its parents, verifies, and names a tampered row (exit 1)', async () => {
  const dataDir = path.join(scratch, 'a', 'b', 'db');
  // Start from the run's migrated snapshot (initdb would cost seconds of CPU).
  const seeded = await openPGliteStore({ dataDir, loadDataDir: new Blob([await readFile(inject('pgliteSnapshot'))]) });
  const chain = await seedChain(seeded.db, { events: 4 });
  await seeded.close();
  const env = { GOVFLOW_DATA_DIR: dataDir };
  expect(await run(runMigrate, env)).toEqual({ code: 0, text: `✓ PGlite 架构版本 schema version ${LATEST}（已是最新 up to date）\n` });
  const ok = await run((io) => runAuditVerify({}, io), env);
  expect(ok).toEqual({ code: 0, text: '✓ 审计链完整 audit chains intact: 1 个实例 instances, 4 条审计事件 audit events\n' });

  const store = await openStore({ env });
  await store.db.transaction().execute(async (trx) => {
    await sql`set local session_replication_role = replica`.execute(trx);
    await sql`update audit_events set payload = '{"n": 0}' where instance_id = ${chain.instanceId} and seq = 3`.execute(trx);
  });
  await store.close();
  const broken = await run((io) => runAuditVerify({}, io), env);
  expect(broken.code).toBe(1);
  expect(broken.text).toContain(`✗ ${chain.instanceId} seq 3 [hash-mismatch]`);
  const json = await run((io) => runAuditVerify({ instance: chain.instanceId, json: true }, io), env);
  expect(JSON.parse(json.text)).toMatchObject({ ok: false, problems: [{ instanceId: chain.instanceId, seq: 3, kind: 'hash-mismatch' }] });
  await expect(runAuditVerify({ instance: 'seq-3' }, { out: () => undefined, env })).rejects.toThrow('UUID');
});

it('worker: fires an overdue timer on start, then stops cleanly on SIGTERM', async () => {
  const store = await openTestStore('postgres', 'worker');
  let ok = false;
  try {
    const { rows } = await sql<{ now: Date }>`select now() as now`.execute(store.db);
    const rt = createRuntime({ db: store.db, clock: { now: () => (rows[0] as { now: Date }).now.getTime() - 3_600_000 } });
    const { instanceId } = await rt.start(loadFixture('timed-reply'), { n: 1 }, actors.applicant);
    const worker = spawnWorker(store.schema);
    const lines = createInterface({ input: worker.stdout });
    const seen: string[] = [];
    // The timer may fire before the worker reports that it runs: wait for both lines.
    const running = (l: string) => l.startsWith('✓ 工作进程已启动 worker running');
    const fired = (l: string) => l.startsWith('定时器 timers: fired 1');
    for await (const line of lines) {
      seen.push(line);
      if (seen.some(running) && seen.some(fired)) break;
    }
    const exited = once(worker, 'exit');
    worker.kill('SIGTERM');
    expect(await exited).toEqual([0, null]);
    expect(seen.some(running)).toBe(true);
    const row = await store.db.selectFrom('instances').select(['status', 'outcome']).where('id', '=', instanceId).executeTakeFirst();
    expect(row).toEqual({ status: 'done', outcome: 'lapsed' });
    ok = true;
  } finally {
    await store.dispose(!ok);
  }
});

it('worker: a SIGTERM that arrives while it is still starting stops it cleanly once started', async () => {
  const store = await openTestStore('postgres', 'worker-early');
  let ok = false;
  try {
    const worker = spawnWorker(store.schema);
    const lines = createInterface({ input: worker.stdout });
    const seen: string[] = [];
    const exited = once(worker, 'exit');
    for await (const line of lines) {
      // The first line is the maintenance report, printed before the scheduler starts.
      if (seen.length === 0) worker.kill('SIGTERM');
      seen.push(line);
    }
    expect(await exited).toEqual([0, null]);
    expect(seen.some((l) => l.startsWith('✓ 工作进程已启动 worker running'))).toBe(true);
    ok = true;
  } finally {
    await store.dispose(!ok);
  }
});

it('PostgreSQL: migrates a new schema once, then manages partitions', async () => {
  const schema = freshSchemaName('cli');
  const env = { DATABASE_URL: testDatabaseUrl(), GOVFLOW_SCHEMA: schema };
  try {
    const first = await run(runMigrate, env);
    expect(first.code).toBe(0);
    expect(first.text).toContain('已应用 applied 0001-definitions-instances');
    expect(first.text).toContain(`✓ PostgreSQL schema ${schema} 架构版本 schema version ${LATEST}\n`);
    expect((await run(runMigrate, env)).text).toContain('已是最新 up to date');
    const parts = await run((io) => runAuditPartitions({ ahead: 4, dropOlderThan: '1 month' }, io), env);
    expect(parts.code).toBe(0);
    expect(parts.text).toMatch(/现有分区 partitions: (audit_events_\d{4}_\d{2}, ){4}audit_events_\d{4}_\d{2}\n/);
    expect((await run((io) => runAuditVerify({}, io), env)).code).toBe(0);
  } finally {
    await dropSchema(testDatabaseUrl(), schema);
  }
});

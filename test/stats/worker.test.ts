import path from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startWorker, type RunningWorker } from '../../api/cli/commands/worker.ts';
import { createRuntime } from '../../adapters/runtime/runtime.ts';
import { openPostgresStore } from '../../adapters/storage/open-postgres.ts';
import type { Store } from '../../adapters/storage/store.ts';
import { openTestStore, testDatabaseUrl, type TestStore } from '../support/test-database.ts';
import { processLibrary } from './support/stats-workload.ts';

const CALENDARS = path.resolve(import.meta.dirname, '../../processes/calendars');
const { definitions } = processLibrary();
let store: TestStore;
const nodes: Store[] = [];
const workers: RunningWorker[] = [];
let failed = false;

beforeAll(async () => {
  store = await openTestStore('postgres', 'stats worker');
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await Promise.all(nodes.map((n) => n.close()));
  await store?.dispose(failed);
});

const quiet = () => ({ out: () => undefined, log: new Writable({ write: (_chunk, _encoding, done) => done() }) });

it('govflow worker projects statistics; three worker nodes on one database count every audit event exactly once', async ({ onTestFailed }) => {
  onTestFailed(() => {
    failed = true;
  });
  const applied: number[] = [];
  for (let i = 0; i < 3; i++) {
    // Each node with its own connection pool, as separate processes would have.
    const node = await openPostgresStore({ connectionString: testDatabaseUrl(), schema: store.schema, max: 3 });
    nodes.push(node);
    const worker = await startWorker(node, { calendars: CALENDARS, batch: 100, poll: 20 }, quiet());
    expect(worker.projector).toBeDefined();
    applied.push(0);
    worker.projector?.on('batch', (b) => (applied[i] = (applied[i] ?? 0) + b.applied));
    workers.push(worker);
  }

  const def = definitions.find((d) => d.id === 'food-business-licence');
  if (!def) throw new Error('food-business-licence missing');
  const runtime = createRuntime({ db: store.db, groupCommit: { maxBatch: 16 } });
  const window = { id: 'w-01', role: 'window', department: def.department };
  // Commands arrive while the workers project: starts, then acceptances of half of them.
  await Promise.all(
    Array.from({ length: 60 }, async (_, i) => {
      const started = await runtime.start(def, { applicant: { name: `申请人${i}` }, channel: 'window' }, { id: `applicant-${i}`, role: 'applicant', region: '520100' });
      if (i % 2 === 0) await runtime.send(started.instanceId, 'accept', { actor: window, payload: { receiptNo: `SCJG-${i}` } });
    }),
  );
  await runtime.close();

  const counts = async () => {
    const { rows } = await sql<{ log: number; counted: number; seqs: number; facts: number; received: number; accepted: number }>`
      select (select cast(count(*) as int) from audit_events) as log,
        (select cast(events as int) from stats_checkpoint) as counted,
        (select cast(coalesce(sum(seq), 0) as int) from stats_instances) as seqs,
        (select cast(count(*) as int) from stats_instances) as facts,
        (select cast(coalesce(sum(received), 0) as int) from stats_daily) as received,
        (select cast(coalesce(sum(accepted), 0) as int) from stats_daily) as accepted`.execute(store.db);
    return rows[0]!;
  };
  // The workers catch up on their own; wait for them (bounded by the test timeout).
  let now = await counts();
  while (now.counted < now.log) {
    await new Promise((r) => setTimeout(r, 50));
    now = await counts();
  }
  expect(now).toEqual({ log: 90, counted: 90, seqs: 90, facts: 60, received: 60, accepted: 30 });
  expect(applied.reduce((a, b) => a + b, 0)).toBe(90);
});

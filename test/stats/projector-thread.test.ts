import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRuntime } from '../../adapters/runtime/runtime.ts';
import { ProjectorThread, type ThreadBatch } from '../../adapters/stats/projector-thread.ts';
import { openTestStore, testDatabaseUrl, type TestStore } from '../support/test-database.ts';
import { processLibrary } from './support/stats-workload.ts';

const CALENDARS = path.resolve(import.meta.dirname, '../../processes/calendars');
const { definitions } = processLibrary();
let store: TestStore;
let failed = false;

beforeAll(async () => {
  store = await openTestStore('postgres', 'stats projector thread');
});

afterAll(async () => {
  await store?.dispose(failed);
});

it('a projector on a worker thread, with its own pool and the stored definitions, counts every command and reports what each batch counted', async ({ onTestFailed }) => {
  onTestFailed(() => {
    failed = true;
  });
  const def = definitions.find((d) => d.id === 'food-business-licence');
  if (!def) throw new Error('food-business-licence missing');
  const runtime = createRuntime({ db: store.db, groupCommit: { maxBatch: 16 } });
  await runtime.publish(def, { id: 'publisher', role: 'system' });
  const thread = await ProjectorThread.open({ connectionString: testDatabaseUrl(), schema: store.schema, calendars: CALENDARS, pollMs: 20 });
  const batches: ThreadBatch[] = [];
  const counted = new Map<string, number>();
  thread.on('batch', (b) => {
    batches.push(b);
    for (const [id, seq] of b.counted) counted.set(id, Math.max(seq, counted.get(id) ?? 0));
  });
  const window = { id: 'w-01', role: 'window', department: def.department };
  const results = await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      const started = await runtime.start(def, { applicant: { name: `申请人${i}` }, channel: 'window' }, { id: `applicant-${i}`, role: 'applicant', region: '520100' });
      return i % 2 === 0 ? runtime.send(started.instanceId, 'accept', { actor: window, payload: { receiptNo: `SCJG-${i}` } }) : started;
    }),
  );
  await runtime.close();
  // The thread follows on its own; wait until its batches name every command's seq (bounded by the test timeout).
  while (results.some((r) => (counted.get(r.instanceId) ?? 0) < r.version)) await new Promise((r) => setTimeout(r, 20));
  await thread.stop();
  expect(new Map(results.map((r) => [r.instanceId, r.version]))).toEqual(counted);
  expect(batches.reduce((t, b) => t + b.applied, 0)).toBe(30);
  expect(thread.applied).toBe(30);
  const { rows } = await sql<{ counted: number; received: number; accepted: number }>`
    select (select cast(events as int) from stats_checkpoint) as counted,
      (select cast(sum(received) as int) from stats_daily) as received,
      (select cast(sum(accepted) as int) from stats_daily) as accepted`.execute(store.db);
  expect(rows).toEqual([{ counted: 30, received: 20, accepted: 10 }]);
});

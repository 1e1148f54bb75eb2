/**
 * Memory of the engine process with few or many instances stored (not part of `npm test`):
 *   node --expose-gc --import tsx bench/memory.ts [--stored 10000,1000000] [--commands 6000] [--cache 2000] [--runs 3] [--figures file.json]
 * For each stored count: a fresh schema holding that many instances (one started through the
 * runtime, the rest copies of its row); then, per run, a new runtime sends `--commands` events to
 * instances drawn at random from all of them, 16 callers at a time, and the heap and RSS are read
 * after a full garbage collection. Prints a report (median of `--runs`, min and max); `--figures`
 * also writes its rows as JSON, for the targets table.
 */
import { createHash, randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { sql } from 'kysely';
import { createRuntime } from '../adapters/runtime/runtime.ts';
import { actors, loadFixture } from '../test/support/runtime-fixture.ts';
import { formatReport } from './report.ts';
import { freshStore } from './runtime-workloads.ts';
import { benchDatabaseUrl, option } from './options.ts';

const storedCounts = option('stored', '10000,1000000').split(',').map(Number);
const commands = Number(option('commands', '6000'));
const cacheSize = Number(option('cache', '2000'));
const runs = Number(option('runs', '3'));
const url = benchDatabaseUrl();
const exposedGc = (globalThis as { gc?: () => void }).gc;
if (!exposedGc) throw new Error('run with node --expose-gc');
const gc: () => void = exposedGc;
const permit = loadFixture('runtime-permit');
const MiB = 2 ** 20;

/** The id of the n-th copy, as the seeding SQL makes it (so the bench holds no list of ids). */
function idOf(n: number): string {
  const h = createHash('md5').update(String(n)).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

type Store = Awaited<ReturnType<typeof freshStore>>;

/** A fresh schema holding `stored` instances. */
async function seed(stored: number): Promise<Store> {
  const store = await freshStore(url, 16);
  const seeder = createRuntime({ db: store.db });
    const first = await seeder.start(permit, { applicant: '样本' }, actors.applicant);
    await sql`
      insert into instances (id, definition_id, definition_version, region, department, receipt_no, status, outcome,
                             snapshot, version, audit_head, created_at, updated_at)
      select cast(md5(cast(n as text)) as uuid), definition_id, definition_version, region, department, 'M' || n, status, outcome,
             snapshot, version, audit_head, created_at, updated_at
      from instances, generate_series(2, ${stored}) as n where id = ${first.instanceId}`.execute(store.db);
  await sql`analyze instances`.execute(store.db);
  return store;
}

/** One runtime sends `commands` events to random instances; heap and RSS after a full GC. */
async function once(store: Store, stored: number): Promise<{ heap: number; rss: number; perSecond: number }> {
    gc();
    const rt = createRuntime({ db: store.db, cacheSize });
    await rt.publish(permit, actors.head);
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async (_, worker) => {
        while (next < commands) {
          next += 1;
          // Each caller keeps to its own share of the instances, so no two commands race on one.
          const n = 2 + randomInt(Math.floor((stored - 2) / 16)) * 16 + worker;
          await rt.send(idOf(n), 'note', { actor: actors.window, payload: { n: next } });
        }
      }),
    );
    const perSecond = commands / ((performance.now() - t0) / 1000);
    gc();
    const m = process.memoryUsage();
    return { heap: m.heapUsed / MiB, rss: m.rss / MiB, perSecond };
}

const rows: Array<{ name: string; values: number[] }> = [];
for (const stored of storedCounts) {
  const results = [];
  const store = await seed(stored);
  for (let r = 0; r < runs; r++) {
    results.push(await once(store, stored));
    process.stderr.write(`memory ${stored} run ${r + 1}: heap ${results.at(-1)?.heap.toFixed(1)} MiB\n`);
  }
  const label = `${stored.toLocaleString('en-US')} stored, ${commands.toLocaleString('en-US')} commands on random instances`;
  rows.push({ name: `${label}: heap used after GC (MiB)`, values: results.map((x) => x.heap) });
  rows.push({ name: `${label}: RSS (MiB)`, values: results.map((x) => x.rss) });
  rows.push({ name: `${label}: commands/s`, values: results.map((x) => x.perSecond) });
  await store.drop();
}
const figuresFile = option('figures', '');
if (figuresFile) writeFileSync(figuresFile, JSON.stringify(rows));
process.stdout.write(
  `${formatReport('engine process memory 引擎进程内存', rows)}\n\nThe runtime remembers at most \`cacheSize\` instance rows (${cacheSize.toLocaleString('en-US')} here, so that both runs fill it; default 10,000); nothing else it holds grows with the instances stored.\n`,
);

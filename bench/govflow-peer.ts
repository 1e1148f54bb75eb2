import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { loadCalendarsFromDir } from '../adapters/calendar-files.ts';
import { createRuntime, type Runtime } from '../adapters/runtime/runtime.ts';
import { TimerScheduler, type TimerBatch } from '../adapters/timers/timer-scheduler.ts';
import { loadDefinitions, type CompiledDefinition } from '../engine/index.ts';
import type { PeerBench, TimerStormResult } from './peers/types.ts';
import { freshStore } from './runtime-workloads.ts';

const root = join(import.meta.dirname, '..');
/** Connections govflow uses for one-transaction-per-command runs, whatever the number of callers. */
export const POOL = 8;
const calendars = loadCalendarsFromDir(join(root, 'processes/calendars'));

function fixture(path: string): CompiledDefinition {
  const result = loadDefinitions([{ path, text: readFileSync(join(root, path), 'utf8') }], { calendars });
  if (!result.definitions[0]) throw new Error(`${path} does not load`);
  return result.definitions[0];
}

const approval = fixture('bench/fixtures/four-step-approval.yaml');
const timed = fixture('test/runtime/fixtures/timed-reply.yaml');
const officer = { id: 'officer-1', role: 'officer', department: 'market-regulation' };
const head = { id: 'head-1', role: 'head', department: 'market-regulation' };
const applicant = { id: 'applicant-1', role: 'applicant' };

/**
 * govflow driven through the same `PeerBench` interface as the peers: each step is a durable
 * command (its own transaction, or a shared one with group commit) with its audit row and timer
 * arm/cancel; the storm fires `timed-reply` timers through the timer scheduler.
 */
export function govflowPeer(options: { groupCommit: boolean }): PeerBench {
  let url = '';
  return {
    name: options.groupCommit ? 'govflow (group commit)' : 'govflow',
    version: '0.1.0',
    config: options.groupCommit
      ? 'runtime with group commit (maxBatch 256, 2 lanes); one command per step, acknowledged after its commit'
      : `runtime, one transaction per command (idempotency key, version check, SM3 audit row, timer rows), pool of at most ${POOL} connections`,
    async setup(connectionString) {
      url = connectionString;
    },
    async fourStep(instances, concurrency) {
      // PostgreSQL's own advice: a few connections per core; callers beyond that wait in the pool.
      const store = await freshStore(url, options.groupCommit ? 4 : Math.min(concurrency, POOL) + 1);
      const rt: Runtime = createRuntime({ db: store.db, ...(options.groupCommit ? { groupCommit: { maxBatch: 256, concurrency: 2 } } : {}) });
      try {
        await rt.publish(approval, head);
        const latencies: number[] = [];
        let next = 0;
        const t0 = performance.now();
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            for (let i = next++; i < instances; i = next++) {
              const s = performance.now();
              const { instanceId } = await rt.start(approval, { n: i }, applicant, { idempotencyKey: `start-${i}` });
              await rt.send(instanceId, 'review', { actor: officer, idempotencyKey: `${i}-1` });
              await rt.send(instanceId, 'approve', { actor: head, idempotencyKey: `${i}-2` });
              await rt.send(instanceId, 'close', { actor: officer, idempotencyKey: `${i}-3` });
              latencies.push(performance.now() - s);
            }
          }),
        );
        const ms = performance.now() - t0;
        const done = await store.db.selectFrom('instances').select(sql<number>`count(*)::int`.as('n')).where('outcome', '=', 'approved').executeTakeFirstOrThrow();
        if (done.n !== instances) throw new Error(`govflow finished ${done.n} of ${instances}`);
        return { ms, latenciesMs: latencies };
      } finally {
        await rt.close();
        await store.drop();
      }
    },
    async timerStorm(n): Promise<TimerStormResult> {
      const store = await freshStore(url, 6);
      try {
        const { rows } = await sql<{ now: Date }>`select now() as now`.execute(store.db);
        const past = (rows[0] as { now: Date }).now.getTime() - 3_600_000;
        const s0 = performance.now();
        const seeder = createRuntime({ db: store.db, clock: { now: () => past }, groupCommit: { maxBatch: 1000, concurrency: 3 } });
        for (let from = 0; from < n; from += 20_000) {
          await Promise.all(Array.from({ length: Math.min(20_000, n - from) }, (_, k) => seeder.start(timed, { n: from + k }, applicant)));
        }
        await seeder.close();
        await sql`vacuum analyze timers`.execute(store.db);
        const scheduleMs = performance.now() - s0;
        const firing = createRuntime({ db: store.db });
        await firing.publish(timed, head);
        const scheduler = new TimerScheduler({ db: store.db, runtime: firing, batchSize: 2000 });
        let fired = 0;
        let firstMs = 0;
        let halfMs = 0;
        const t0 = performance.now();
        scheduler.on('batch', (b: TimerBatch) => {
          fired += b.fired;
          if (!firstMs && fired > 0) firstMs = performance.now() - t0;
          if (!halfMs && fired >= n / 2) halfMs = performance.now() - t0;
        });
        await scheduler.drain();
        const allMs = performance.now() - t0;
        if (fired !== n) throw new Error(`govflow storm fired ${fired} of ${n}`);
        await firing.close();
        return { firstMs, halfMs, allMs, scheduleMs };
      } finally {
        await store.drop();
      }
    },
    async teardown() {},
  };
}

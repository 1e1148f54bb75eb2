import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { loadCalendarsFromDir } from '../adapters/calendar-files.ts';
import { createRuntime, type Runtime } from '../adapters/runtime/runtime.ts';
import type { TimerBatch } from '../adapters/timers/timer-scheduler.ts';
import { loadDefinitions, type CompiledDefinition } from '../engine/index.ts';
import { DueInstant, FireClock, withDeadline } from './peers/common.ts';
import type { PeerBench, TimerStormResult } from './peers/types.ts';
import { claimsInFlight, freshStore, STORM_THREADS, stormScheduler, withStorm, type StormFiring } from './runtime-workloads.ts';

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
const officer = { id: 'officer-1', role: 'officer', department: 'market-regulation' };
const head = { id: 'head-1', role: 'head', department: 'market-regulation' };
const applicant = { id: 'applicant-1', role: 'applicant' };

/**
 * govflow driven through the same `PeerBench` interface as the peers: each step is a durable
 * command (its own transaction, or a shared one with group commit) with its audit row and timer
 * arm/cancel; the storm fires `timed-reply` timers (seeded by `withStorm`) as `storm` says: by default on
 * timer threads, as `govflow worker` does on PostgreSQL.
 */
export function govflowPeer(options: { groupCommit: boolean; storm?: StormFiring }): PeerBench {
  let url = '';
  const storm = options.storm ?? STORM_THREADS;
  // Scheduling a storm is the instance starts that arm its timers, a vacuum of `timers` and the
  // timer threads' start (a fresh schema and two threads: about 3 s whatever the size).
  const due = new DueInstant(0.3, 'govflow', { baseMs: 300, margin: 1.25, fixedMs: 3000 });
  const firing =
    storm.threads === 0
      ? `storms fired by one in-process timer scheduler (${claimsInFlight(storm.lanes)}, ${storm.batchSize} timers each)`
      : `storms fired by ${storm.threads} timer threads (\`govflow worker --timer-threads ${storm.threads}\`: each its own pool and runtime, ${claimsInFlight(storm.lanes)}, ${storm.batchSize} timers each), started before the due instant`;
  return {
    name: options.groupCommit ? 'govflow (group commit)' : 'govflow',
    version: '0.1.0',
    config: `${
      options.groupCommit
        ? 'runtime with group commit (maxBatch 256, 2 lanes); one command per step, acknowledged after its commit'
        : `runtime, one transaction per command (idempotency key, version check, SM3 audit row, timer rows), pool of at most ${POOL} connections`
    }; ${firing}`,
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
      // As the peers are measured: timers due at an instant ahead, the scheduler running (polling
      // as `govflow worker` does), the figures taken from the due instant.
      const { dueAt, scheduled } = due.next(n);
      const { result, scheduleMs } = await withStorm(
        url,
        n,
        async (store) => {
          const { scheduler, close } = await stormScheduler(url, store, storm);
          try {
            const fired = new FireClock(n, dueAt);
            scheduler.on('batch', (b: TimerBatch) => {
              if (b.fired > 0) fired.record(b.fired);
            });
            scheduled();
            scheduler.start();
            const figures = await withDeadline(fired.result, 180_000, `govflow storm ${n}`);
            const left = await store.db.selectFrom('timers').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
            if (fired.fired !== n || left.n !== 0) throw new Error(`govflow storm fired ${fired.fired} of ${n}, left ${left.n} timers`);
            return figures;
          } finally {
            await close();
          }
        },
        dueAt,
      );
      return { ...result, scheduleMs };
    },
    async teardown() {},
  };
}

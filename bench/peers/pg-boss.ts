/**
 * pg-boss 10.4 peer. Its best throughput configuration: `fetch()` with a `batchSize` and
 * `complete(ids)` for the whole batch. Both accept a `db` executor, so each batch runs as ONE
 * transaction: fetch (locks the jobs) → UPDATE the application rows → insert the next steps'
 * jobs → complete the batch → COMMIT. pg-boss has no LISTEN/NOTIFY in v10; an idle loop polls
 * every 500 ms (the documented minimum for `work()`), and is woken in process when this process
 * enqueues, the way `notifyWorker()` wakes a `work()` loop.
 */
import PgBoss from 'pg-boss';
import type pg from 'pg';
import {
  closedLoop, Completions, createAppTables, createPool, DueInstant, FireClock,
  installedVersion, resetRows, verifyRows, withDeadline,
} from './common.ts';
import type { FourStepResult, PeerBench, TimerStormResult } from './types.ts';

const APP = 'peer_pgboss';
const SYSTEM = 'peer_pgboss_sys';
const STEP_QUEUE = 'approval-step';
const TIMER_QUEUE = 'timer';

export interface PgBossPeerOptions {
  /** Jobs per fetch in the 4-step run; default 100 (there are never more than `concurrency` ready). */
  stepBatchSize?: number;
  /** Fetch loops in the storm; default 4. */
  stormLoops?: number;
  /** Jobs per fetch in the storm; default 500. */
  stormBatchSize?: number;
  /** Idle poll interval; default 500 ms. */
  pollMs?: number;
}

interface StepData { id: number; step: number }
interface TimerData { id: number }

/**
 * Wakes idle loops early; a loop that found work never waits. A loop passes the generation it saw
 * before its empty fetch, so a wake that came during that fetch is not lost.
 */
class Waker {
  #generation = 0;
  #wake: Array<() => void> = [];
  get generation(): number {
    return this.#generation;
  }
  wait(ms: number, seen: number): Promise<void> {
    if (seen !== this.#generation) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake.push(() => { clearTimeout(timer); resolve(); });
    });
  }
  wake(): void {
    this.#generation++;
    const waiting = this.#wake;
    this.#wake = [];
    for (const w of waiting) w();
  }
}

/** Runs `count` loops of `batch()` (returns jobs handled) until stopped. */
function startLoops(count: number, batch: () => Promise<number>, waker: Waker, pollMs: number) {
  let stopped = false;
  let failure: unknown;
  const loops = Array.from({ length: count }, async () => {
    while (!stopped) {
      try {
        const seen = waker.generation;
        if ((await batch()) === 0 && !stopped) await waker.wait(pollMs, seen);
      } catch (error) {
        failure ??= error;
        stopped = true;
      }
    }
  });
  return {
    failure: () => failure,
    async stop(): Promise<void> {
      stopped = true;
      waker.wake();
      await Promise.all(loops);
    },
  };
}

export function pgBossPeer(options: PgBossPeerOptions = {}): PeerBench {
  const { stepBatchSize = 100, stormLoops = 4, stormBatchSize = 500, pollMs = 500 } = options;
  let boss: PgBoss | undefined;
  let pool: pg.Pool | undefined;
  const waker = new Waker();
  const completions = new Completions();
  const due = new DueInstant(0.05, 'pg-boss');

  /** One transaction: fetch a batch, apply it with `apply`, complete it. Returns the batch size. */
  async function inBatch<T extends object>(queue: string, batchSize: number, apply: (jobs: PgBoss.Job<T>[], client: pg.PoolClient) => Promise<void>): Promise<PgBoss.Job<T>[]> {
    const client = await pool!.connect();
    const db = { executeSql: (text: string, values: unknown[]) => client.query(text, values) };
    try {
      await client.query('BEGIN');
      const jobs = await boss!.fetch<T>(queue, { batchSize, db });
      if (jobs.length) {
        await apply(jobs, client);
        // complete(name, id, data, options) takes an id array too; the typings only list (name, ids, options),
        // where the third argument is read as `data` and the completion silently leaves the transaction.
        const ids = jobs.map((j) => j.id) as unknown as string;
        await boss!.complete(queue, ids, {}, { db });
      }
      await client.query('COMMIT');
      return jobs;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async function stepBatch(): Promise<number> {
    const jobs = await inBatch<StepData>(STEP_QUEUE, stepBatchSize, async (batch, client) => {
      const db = { executeSql: (text: string, values: unknown[]) => client.query(text, values) };
      await client.query(
        `UPDATE ${APP}.approvals a SET step = j.step FROM unnest($1::int[], $2::int[]) AS j(id, step) WHERE a.id = j.id`,
        [batch.map((j) => j.data.id), batch.map((j) => j.data.step)],
      );
      const next = batch.filter((j) => j.data.step < 4).map((j) => ({ name: STEP_QUEUE, data: { id: j.data.id, step: j.data.step + 1 } }));
      if (next.length) await boss!.insert(next, { db });
    });
    for (const job of jobs) if (job.data.step === 4) completions.done(job.data.id);
    if (jobs.some((j) => j.data.step < 4)) waker.wake();
    return jobs.length;
  }

  /** The start step: the first row update and the job for step 2 in one transaction. */
  async function startInstance(id: number): Promise<void> {
    const client = await pool!.connect();
    const db = { executeSql: (text: string, values: unknown[]) => client.query(text, values) };
    try {
      await client.query('BEGIN');
      await client.query(`UPDATE ${APP}.approvals SET step = 1 WHERE id = $1`, [id]);
      await boss!.send(STEP_QUEUE, { id, step: 2 }, { db });
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
    waker.wake();
  }

  /** Every job of the run must have been completed, in the same transaction as its work. */
  async function verifyJobsCompleted(): Promise<void> {
    const { rows } = await pool!.query<{ open: string }>(`SELECT count(*) AS open FROM ${SYSTEM}.job WHERE state <> 'completed' AND name IN ($1, $2)`, [STEP_QUEUE, TIMER_QUEUE]);
    if (Number(rows[0]!.open) > 0) throw new Error(`pg-boss: ${rows[0]!.open} jobs not completed after the run`);
  }

  return {
    name: 'pg-boss',
    version: installedVersion('pg-boss'),
    config:
      `fetch({ batchSize: ${stepBatchSize} / ${stormBatchSize} }) + complete(ids) with the row UPDATE and the next job's insert in the same transaction (db option); ` +
      `\`concurrency\` fetch loops for 4-step, ${stormLoops} for the storm; idle poll ${pollMs} ms, woken in process on enqueue`,
    async setup(connectionString) {
      pool = createPool(connectionString, 40);
      await createAppTables(pool, APP);
      await pool.query(`DROP SCHEMA IF EXISTS ${SYSTEM} CASCADE`);
      boss = new PgBoss({ connectionString, schema: SYSTEM, max: 4, schedule: false });
      boss.on('error', (error) => console.error('pg-boss:', error.message));
      await boss.start();
      // Created once: in 10.4.2 deleteQueue() fails while its partition holds jobs, so runs reset with clearStorage().
      await boss.createQueue(STEP_QUEUE);
      await boss.createQueue(TIMER_QUEUE);
    },
    async fourStep(instances, concurrency): Promise<FourStepResult> {
      await resetRows(pool!, APP, 'approvals', instances);
      await boss!.clearStorage();
      const loops = startLoops(concurrency, stepBatch, waker, pollMs);
      const run = closedLoop(instances, concurrency, async (id) => {
        const finished = completions.wait(id);
        await startInstance(id);
        await finished;
      });
      const result = await withDeadline(run, 180_000, `pg-boss 4-step c=${concurrency}`).finally(() => loops.stop());
      if (loops.failure()) throw loops.failure();
      await verifyRows(pool!, APP, 'approvals', instances);
      await verifyJobsCompleted();
      return result;
    },
    async timerStorm(n): Promise<TimerStormResult> {
      await resetRows(pool!, APP, 'timers', n);
      await boss!.clearStorage();
      const { dueAt, scheduled } = due.next(n);
      const clock = new FireClock(n, dueAt);
      const startAfter = new Date(dueAt).toISOString();
      for (let from = 1; from <= n; from += 5000) {
        const chunk = Array.from({ length: Math.min(5000, n - from + 1) }, (_, i) => ({ name: TIMER_QUEUE, data: { id: from + i }, startAfter }));
        await boss!.insert(chunk);
      }
      const scheduleMs = scheduled();
      const fire = async (): Promise<number> => {
        const jobs = await inBatch<TimerData>(TIMER_QUEUE, stormBatchSize, async (batch, client) => {
          await client.query(`UPDATE ${APP}.timers SET fired_at = now() WHERE id = ANY($1::int[])`, [batch.map((j) => j.data.id)]);
        });
        if (jobs.length) clock.record(jobs.length);
        return jobs.length;
      };
      const loops = startLoops(stormLoops, fire, waker, pollMs);
      const result = await withDeadline(clock.result, 180_000, `pg-boss storm ${n}`).finally(() => loops.stop());
      if (loops.failure()) throw loops.failure();
      await verifyRows(pool!, APP, 'timers', n);
      await verifyJobsCompleted();
      return { ...result, scheduleMs };
    },
    async teardown() {
      await boss?.stop({ graceful: false, wait: true });
      await pool?.query(`DROP SCHEMA IF EXISTS ${APP} CASCADE`);
      await pool?.query(`DROP SCHEMA IF EXISTS ${SYSTEM} CASCADE`);
      await pool?.end();
      boss = undefined;
      pool = undefined;
    },
  };
}

/**
 * graphile-worker 0.17 peer. Its documented batching configuration: `localQueue` (the pool fetches
 * and locks a batch, workers take jobs from memory) plus `completeJobBatchDelay` (completions are
 * grouped into one statement). A task runs per job; it updates the application row and, for the
 * next step, calls the schema's `add_job()` in the SAME transaction through `withPgClient`. The
 * job's own completion is committed later, in a batch, so a crash in between re-runs the step
 * (at-least-once, as graphile-worker documents). New jobs wake workers by LISTEN/NOTIFY; future
 * jobs (the storm) are found by polling every `pollInterval`.
 */
import { Logger, makeWorkerUtils, run, type Runner, type Task, type WorkerUtils } from 'graphile-worker';
import type pg from 'pg';
import {
  closedLoop, Completions, createAppTables, createPool, DueInstant, FireClock,
  installedVersion, resetRows, verifyRows, withDeadline,
} from './common.ts';
import type { FourStepResult, PeerBench, TimerStormResult } from './types.ts';

const APP = 'peer_graphile';
const SYSTEM = 'peer_graphile_sys';

export interface GraphileWorkerPeerOptions {
  /** Concurrent jobs in the storm; default 32. */
  stormConcurrency?: number;
  /** localQueue size in the storm; default 500. */
  stormLocalQueue?: number;
  /** completeJobBatchDelay in ms; default 250, the starting point the graphile-worker docs recommend. */
  completeJobBatchDelay?: number;
  /** pollInterval in ms (only future jobs depend on it); default 500. */
  pollMs?: number;
}

interface StepData { id: number; step: number }

const silent = new Logger(() => () => {});

export function graphileWorkerPeer(options: GraphileWorkerPeerOptions = {}): PeerBench {
  const { stormConcurrency = 32, stormLocalQueue = 500, completeJobBatchDelay = 250, pollMs = 500 } = options;
  let connection = '';
  let pool: pg.Pool | undefined;
  let utils: WorkerUtils | undefined;
  const completions = new Completions();
  const due = new DueInstant(0.05, 'graphile-worker');

  const approvalStep: Task = async (payload, helpers) => {
    const { id, step } = payload as StepData;
    await helpers.withPgClient(async (client) => {
      await client.query('BEGIN');
      try {
        await client.query(`UPDATE ${APP}.approvals SET step = $2 WHERE id = $1`, [id, step]);
        if (step < 4) await client.query(`SELECT ${SYSTEM}.add_job('approval_step', json_build_object('id', $1::int, 'step', $2::int))`, [id, step + 1]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    });
    if (step === 4) completions.done(id);
  };

  async function startRunner(concurrency: number, localQueue: number, taskList: Record<string, Task>): Promise<Runner> {
    return run({
      connectionString: connection,
      schema: SYSTEM,
      concurrency,
      maxPoolSize: concurrency + 4,
      pollInterval: pollMs,
      noHandleSignals: true,
      logger: silent,
      taskList,
      preset: { worker: { localQueue: { size: localQueue }, completeJobBatchDelay, failJobBatchDelay: completeJobBatchDelay } },
    });
  }

  /** Drops jobs a void run left behind (completed jobs are deleted by graphile-worker itself). */
  async function clearJobs(): Promise<void> {
    await pool!.query(`DELETE FROM ${SYSTEM}._private_jobs`);
  }

  /** After `runner.stop()` has flushed the batched completions, no job may be left. */
  async function verifyNoJobsLeft(): Promise<void> {
    const { rows } = await pool!.query<{ left: string }>(`SELECT count(*) AS left FROM ${SYSTEM}._private_jobs`);
    if (Number(rows[0]!.left) > 0) throw new Error(`graphile-worker: ${rows[0]!.left} jobs left after the run`);
  }

  /** The start step: the first row update and the job for step 2 in one transaction. */
  async function startInstance(id: number): Promise<void> {
    const client = await pool!.connect();
    try {
      await client.query('BEGIN');
      await client.query(`UPDATE ${APP}.approvals SET step = 1 WHERE id = $1`, [id]);
      await client.query(`SELECT ${SYSTEM}.add_job('approval_step', json_build_object('id', $1::int, 'step', 2))`, [id]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  return {
    name: 'graphile-worker',
    version: installedVersion('graphile-worker'),
    config:
      `run({ concurrency, localQueue: { size: concurrency + 1 }, completeJobBatchDelay: ${completeJobBatchDelay}, pollInterval: ${pollMs} }); ` +
      `the row UPDATE and the next add_job() in one transaction via withPgClient; storm: concurrency ${stormConcurrency}, localQueue ${stormLocalQueue}, jobs added with addJobs()`,
    async setup(connectionString) {
      connection = connectionString;
      pool = createPool(connectionString, 40);
      await createAppTables(pool, APP);
      await pool.query(`DROP SCHEMA IF EXISTS ${SYSTEM} CASCADE`);
      utils = await makeWorkerUtils({ connectionString, schema: SYSTEM, logger: silent });
      await utils.migrate();
    },
    async fourStep(instances, concurrency): Promise<FourStepResult> {
      await resetRows(pool!, APP, 'approvals', instances);
      await clearJobs();
      const runner = await startRunner(concurrency, concurrency + 1, { approval_step: approvalStep });
      const run = closedLoop(instances, concurrency, async (id) => {
        const finished = completions.wait(id);
        await startInstance(id);
        await finished;
      });
      const result = await withDeadline(run, 180_000, `graphile-worker 4-step c=${concurrency}`).finally(() => runner.stop());
      await verifyRows(pool!, APP, 'approvals', instances);
      await verifyNoJobsLeft();
      return result;
    },
    async timerStorm(n): Promise<TimerStormResult> {
      await resetRows(pool!, APP, 'timers', n);
      await clearJobs();
      const { dueAt, scheduled } = due.next(n);
      const clock = new FireClock(n, dueAt);
      const runAt = new Date(dueAt);
      for (let from = 1; from <= n; from += 5000) {
        await utils!.addJobs(Array.from({ length: Math.min(5000, n - from + 1) }, (_, i) => ({ identifier: 'timer', payload: { id: from + i }, runAt })));
      }
      const scheduleMs = scheduled();
      const timer: Task = async (payload, helpers) => {
        await helpers.query(`UPDATE ${APP}.timers SET fired_at = now() WHERE id = $1`, [(payload as { id: number }).id]);
        clock.record(1);
      };
      const runner = await startRunner(stormConcurrency, stormLocalQueue, { timer });
      const result = await withDeadline(clock.result, 180_000, `graphile-worker storm ${n}`).finally(() => runner.stop());
      await verifyRows(pool!, APP, 'timers', n);
      await verifyNoJobsLeft();
      return { ...result, scheduleMs };
    },
    async teardown() {
      await utils?.release();
      await pool?.query(`DROP SCHEMA IF EXISTS ${APP} CASCADE`);
      await pool?.query(`DROP SCHEMA IF EXISTS ${SYSTEM} CASCADE`);
      await pool?.end();
      utils = undefined;
      pool = undefined;
    },
  };
}

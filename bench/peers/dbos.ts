/**
 * DBOS Transact 5.3 peer. The approval is a workflow of four `DBOS.registerStep` steps, the form
 * the DBOS docs give for durable steps: each step's UPDATE commits in the application database,
 * then DBOS checkpoints the step's output in its system database (a second commit; a crash between
 * the two re-runs the step, i.e. at-least-once). Steps in the same transaction as the checkpoint
 * need a DBOS data-source package (`@dbos-inc/*-datasource`), not installed here: see README.
 * Callers run the workflow function directly (`await approval(id)`), one per concurrent caller.
 * The storm enqueues workflows on a queue with `enqueueOptions.delaySeconds` (DELAYED until due).
 */
import { DBOS, type WorkflowQueue } from '@dbos-inc/dbos-sdk';
import type pg from 'pg';
import {
  closedLoop, createAppTables, createPool, DueInstant, FireClock,
  installedVersion, resetRows, verifyRows, withDeadline,
} from './common.ts';
import type { FourStepResult, PeerBench, TimerStormResult } from './types.ts';

const APP = 'peer_dbos';
const SYSTEM = 'peer_dbos_sys';
const TIMER_QUEUE = 'timers';

export interface DbosPeerOptions {
  /** workerConcurrency of the storm's queue; default 0 = none (DBOS's default: each poll claims every due workflow). */
  stormConcurrency?: number;
  /** Parallel callers enqueueing the storm; default 16. */
  enqueuers?: number;
  /** minPollingIntervalMs of the storm's queue; default 500. */
  pollMs?: number;
}

export function dbosPeer(options: DbosPeerOptions = {}): PeerBench {
  const { stormConcurrency = 0, enqueuers = 16, pollMs = 500 } = options;
  let pool: pg.Pool | undefined;
  let clock: FireClock | undefined;
  let approval: ((id: number) => Promise<void>) | undefined;
  let timer: ((id: number, storm: number) => Promise<void>) | undefined;
  /** Numbers the storms, so a workflow left over from a void storm cannot count in the next one. */
  let storm = 0;
  const due = new DueInstant(2, 'DBOS');

  /** Registers the workflows; DBOS keeps a global registry, so this happens in setup, not at import. */
  function register(): void {
    const approvalStep = DBOS.registerStep(async (id: number, step: number) => {
      await pool!.query(`UPDATE ${APP}.approvals SET step = $2 WHERE id = $1`, [id, step]);
    }, { name: 'approvalStep' });
    approval = DBOS.registerWorkflow(async (id: number) => {
      for (let step = 1; step <= 4; step++) await approvalStep(id, step);
    }, { name: 'approval' });
    const fire = DBOS.registerStep(async (id: number, of: number) => {
      if (of !== storm) return;
      await pool!.query(`UPDATE ${APP}.timers SET fired_at = now() WHERE id = $1`, [id]);
      clock?.record(1);
    }, { name: 'fireTimer' });
    timer = DBOS.registerWorkflow(async (id: number, of: number) => {
      await fire(id, of);
    }, { name: 'timer' });
  }

  /** Completed workflows from earlier runs would slow later ones; drop them between runs. */
  async function clearHistory(): Promise<void> {
    await pool!.query(`TRUNCATE ${SYSTEM}.workflow_status CASCADE`);
  }

  /** Every workflow of the run must have finished successfully. */
  async function verifyWorkflows(expected: number): Promise<void> {
    const { rows } = await pool!.query<{ ok: string }>(`SELECT count(*) FILTER (WHERE status = 'SUCCESS') AS ok FROM ${SYSTEM}.workflow_status`);
    if (Number(rows[0]!.ok) !== expected) throw new Error(`DBOS: ${rows[0]!.ok} of ${expected} workflows succeeded`);
  }

  return {
    name: '@dbos-inc/dbos-sdk',
    version: installedVersion('@dbos-inc/dbos-sdk'),
    config:
      'registerWorkflow of 4 registerStep steps (UPDATE in the app database, then the step checkpoint in the system database), ' +
      `called directly by each caller; storm: ${enqueuers} callers enqueue onto a queue ` +
      `(${stormConcurrency > 0 ? `workerConcurrency ${stormConcurrency}` : 'no worker limit'}, minPollingIntervalMs ${pollMs}) ` +
      'with enqueueOptions.delaySeconds, one step per workflow; system and app pools of 40',
    async setup(connectionString) {
      pool = createPool(connectionString, 40);
      await createAppTables(pool, APP);
      await pool.query(`DROP SCHEMA IF EXISTS ${SYSTEM} CASCADE`);
      DBOS.setConfig({
        name: 'govflow-bench',
        systemDatabaseUrl: connectionString,
        systemDatabaseSchemaName: SYSTEM,
        systemDatabasePoolSize: 40,
        logLevel: 'error',
      });
      register();
      await DBOS.launch();
    },
    async fourStep(instances, concurrency): Promise<FourStepResult> {
      await resetRows(pool!, APP, 'approvals', instances);
      await clearHistory();
      const run = closedLoop(instances, concurrency, (id) => approval!(id));
      const result = await withDeadline(run, 180_000, `DBOS 4-step c=${concurrency}`);
      await verifyRows(pool!, APP, 'approvals', instances);
      await verifyWorkflows(instances);
      return result;
    },
    async timerStorm(n): Promise<TimerStormResult> {
      storm++;
      await resetRows(pool!, APP, 'timers', n);
      await clearHistory();
      const queue: WorkflowQueue = await DBOS.registerQueue(TIMER_QUEUE, {
        ...(stormConcurrency > 0 ? { workerConcurrency: stormConcurrency } : {}), minPollingIntervalMs: pollMs, onConflict: 'always_update',
      });
      const { dueAt, scheduled } = due.next(n);
      clock = new FireClock(n, dueAt);
      let next = 1;
      await Promise.all(Array.from({ length: enqueuers }, async () => {
        while (next <= n) {
          const id = next++;
          const delaySeconds = (dueAt - Date.now()) / 1000;
          await DBOS.startWorkflow(timer!, { queueName: queue.name, enqueueOptions: { delaySeconds } })(id, storm);
        }
      }));
      const scheduleMs = scheduled();
      const result = await withDeadline(clock.result, 180_000, `DBOS storm ${n}`).finally(() => (clock = undefined));
      await verifyRows(pool!, APP, 'timers', n);
      return { ...result, scheduleMs };
    },
    async teardown() {
      await DBOS.shutdown({ deregister: true });
      await pool?.query(`DROP SCHEMA IF EXISTS ${APP} CASCADE`);
      await pool?.query(`DROP SCHEMA IF EXISTS ${SYSTEM} CASCADE`);
      await pool?.end();
      pool = undefined;
    },
  };
}

import { parentPort, workerData } from 'node:worker_threads';
import { sql, type Kysely } from 'kysely';
import { loadCalendarsFromDir } from '../calendar-files.ts';
import { compileStoredWith } from '../runtime/compile-stored.ts';
import { defaultEngine } from '../runtime/engine-port.ts';
import { planCommand } from '../runtime/plan-command.ts';
import { roundRecords } from '../runtime/round-records.ts';
import { createRuntime, type Runtime } from '../runtime/runtime.ts';
import type { Database } from '../storage/database.ts';
import { openPostgresStore } from '../storage/open-postgres.ts';
import { toLoaded, type ClaimRow } from './claim-due-timers.ts';
import { TimerScheduler, type TimerBatch } from './timer-scheduler.ts';

/** What a timer thread is started with (structured-cloned into the thread). */
export interface TimerThreadData {
  connectionString: string;
  schema: string;
  /** Working-day calendar directory, to compile stored definitions. */
  calendars: string;
  batchSize: number;
  pollMs: number;
  maxAttempts: number;
  /** Claim lanes of this thread (its pool has as many connections). */
  concurrency: number;
}

/** A request from the owning `TimerThreads`. */
export type TimerThreadRequest = { id: number; op: 'drain' | 'start' | 'stop' | 'close' };

/** An error as it crosses the thread boundary. */
export interface ThreadError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

/** What a timer thread says: once `ready` (or `failed`), then events and replies to requests. */
export type TimerThreadMessage =
  | { type: 'ready' }
  | { type: 'failed'; error: ThreadError }
  | { type: 'batch'; batch: TimerBatch }
  | { type: 'idle' }
  | { type: 'error'; error: ThreadError }
  | { type: 'reply'; id: number; ok: true; total?: TimerBatch }
  | { type: 'reply'; id: number; ok: false; error: ThreadError };

export function toThreadError(error: unknown): ThreadError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}), ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(error) };
}

/**
 * Compiles the definitions of the next timers due (the first 10,000 in due order) before the
 * thread reports ready, so a storm due now does not wait for each thread to compile them first.
 * One that does not compile here is left to fail its timers' firings, which report it.
 */
async function compileUpcoming(db: Kysely<Database>, runtime: Runtime): Promise<void> {
  const { rows } = await sql<{ definition_id: string; definition_version: number }>`
    select distinct i.definition_id, i.definition_version
    from (select instance_id from timers order by due_at, fire_order limit 10000) as t
    join instances as i on i.id = t.instance_id`.execute(db);
  for (const r of rows) await runtime.registry.resolve(db, r.definition_id, r.definition_version).catch(() => undefined);
}

/** Timers a new thread plans (and throws away) to warm up, at most. */
const WARM_UP_TIMERS = 2000;

/**
 * A thread starts with code that has never run: its first batches would pay for compiling the
 * engine, the SM3 seal and the write's JSON on top of their work, every thread again. So a new
 * thread plans the firing of up to `limit` of the next due timers — read without locks, nothing
 * written, the plans thrown away — before it reports ready. Nothing due, nothing done.
 */
async function warmUp(db: Kysely<Database>, runtime: Runtime, limit: number): Promise<void> {
  const { rows } = await sql<Omit<ClaimRow, 'clock' | 'region' | 'fire_order' | 'attempts' | 'fired_at'>>`
    select t.instance_id, t.timer_id, t.due_at, i.definition_id, i.definition_version, i.region as instance_region, i.department,
           i.receipt_no, i.status, i.outcome, i.snapshot, i.version, i.audit_head
    from (select instance_id, timer_id, due_at from timers order by due_at, fire_order limit ${limit}) as t
    join instances as i on i.id = t.instance_id`.execute(db);
  for (const r of rows) {
    const definition = await runtime.registry.resolve(db, r.definition_id, r.definition_version).catch(() => undefined);
    if (!definition) continue;
    const dueAt = r.due_at.getTime();
    const loaded = toLoaded(r);
    try {
      const plan = planCommand(defaultEngine, { kind: 'timer', instanceId: r.instance_id, timerId: r.timer_id, dueAt, firedAt: dueAt }, definition, loaded, dueAt);
      if (plan !== 'stale') JSON.stringify(roundRecords([plan]));
    } catch {
      // A timer whose firing fails will report it when it really fires.
    }
  }
}

/**
 * The thread's side of `TimerThreads`: its own pool and runtime (definitions resolved from the
 * `definitions` table), a `TimerScheduler` on the database clock, and a loop answering requests.
 * Every claim transaction is this thread's own, so the guarantees are those of one more node.
 */
export async function runTimerThread(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('internal: not on a worker thread');
  const say = (message: TimerThreadMessage) => port.postMessage(message);
  const data = workerData as TimerThreadData;
  let store: Awaited<ReturnType<typeof openPostgresStore>> | undefined;
  let scheduler: TimerScheduler;
  let close: () => Promise<void>;
  try {
    store = await openPostgresStore({ connectionString: data.connectionString, schema: data.schema, max: data.concurrency });
    const { db } = store;
    // Open every lane's connection now: an unreachable database fails `open`, not the first storm.
    await Promise.all(Array.from({ length: data.concurrency }, () => sql`select 1`.execute(db)));
    const compileStored = compileStoredWith(loadCalendarsFromDir(data.calendars));
    const runtime = createRuntime({ db, compileStored });
    await compileUpcoming(db, runtime);
    await warmUp(db, runtime, Math.min(data.batchSize, WARM_UP_TIMERS));
    scheduler = new TimerScheduler({ db, runtime, batchSize: data.batchSize, pollMs: data.pollMs, maxAttempts: data.maxAttempts, concurrency: data.concurrency });
    const opened = store;
    close = async () => {
      await scheduler.stop();
      await runtime.close();
      await opened.close();
    };
  } catch (error) {
    say({ type: 'failed', error: toThreadError(error) });
    await store?.close().catch(() => undefined);
    port.close();
    return;
  }
  scheduler.on('batch', (batch) => say({ type: 'batch', batch }));
  scheduler.on('idle', () => say({ type: 'idle' }));
  scheduler.on('error', (error) => say({ type: 'error', error: toThreadError(error) }));
  port.on('message', (request: TimerThreadRequest) => {
    void (async () => {
      try {
        switch (request.op) {
          case 'drain':
            say({ type: 'reply', id: request.id, ok: true, total: await scheduler.drain() });
            return;
          case 'start':
            scheduler.start();
            break;
          case 'stop':
            await scheduler.stop();
            break;
          case 'close':
            await close();
            say({ type: 'reply', id: request.id, ok: true });
            port.close();
            return;
        }
        say({ type: 'reply', id: request.id, ok: true });
      } catch (error) {
        say({ type: 'reply', id: request.id, ok: false, error: toThreadError(error) });
      }
    })();
  });
  say({ type: 'ready' });
}

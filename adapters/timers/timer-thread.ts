import { parentPort, workerData } from 'node:worker_threads';
import { sql } from 'kysely';
import { loadCalendarsFromDir } from '../calendar-files.ts';
import { compileStoredWith } from '../runtime/compile-stored.ts';
import { createRuntime } from '../runtime/runtime.ts';
import { openPostgresStore } from '../storage/open-postgres.ts';
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
    scheduler = new TimerScheduler({ db, runtime, batchSize: data.batchSize, pollMs: data.pollMs, maxAttempts: data.maxAttempts, concurrency: data.concurrency });
    await scheduler.warmUp();
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

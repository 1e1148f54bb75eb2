import { EventEmitter } from 'node:events';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { loadCalendarsFromDir } from '../calendar-files.ts';
import { compileStoredWith } from '../runtime/compile-stored.ts';
import { DefinitionRegistry } from '../runtime/definition-registry.ts';
import { openPostgresStore } from '../storage/open-postgres.ts';
import { STATS_CALENDAR, StatsProjector } from './stats-projector.ts';

/** What a projector thread is started with (structured-cloned into the thread). */
export interface ProjectorThreadOptions {
  connectionString: string;
  schema: string;
  /** Working-day calendar directory: `cn-mainland` is counted in, stored definitions compile with them. */
  calendars: string;
  /** See `StatsProjectorOptions`. */
  batchSize?: number;
  pollMs?: number;
  activePollMs?: number;
}

/** One batch the thread committed. */
export interface ThreadBatch {
  rows: number;
  applied: number;
  /** Per instance, the highest seq counted (see `BatchReport.counted`). */
  counted: Array<[string, number]>;
  failures: number;
  /** When the batch had committed, epoch ms with sub-millisecond precision (`performance.timeOrigin + performance.now()`). */
  at: number;
}

type ThreadMessage =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'batch'; batch: ThreadBatch }
  | { type: 'error'; message: string }
  | { type: 'stopped' };

export interface ProjectorThreadEvents {
  batch: [ThreadBatch];
  /** A batch failed; the loop goes on and retries it. */
  error: [Error];
}

/**
 * A `StatsProjector` on a worker thread with its own connection pool (PostgreSQL), so replaying
 * the audit log runs on another core than the commands: the same loop, checkpoint lock and
 * guarantees as one more engine node. Definitions are resolved from the `definitions` table.
 */
export class ProjectorThread extends EventEmitter<ProjectorThreadEvents> {
  readonly #worker: Worker;
  readonly #stopped: Promise<void>;
  #applied = 0;

  private constructor(options: ProjectorThreadOptions, ready: { resolve: () => void; reject: (e: Error) => void }) {
    super();
    this.#worker = new Worker(new URL('./projector-thread.mjs', import.meta.url), { workerData: options });
    this.#stopped = new Promise<void>((resolve, reject) => {
      this.#worker.on('message', (m: ThreadMessage) => {
        switch (m.type) {
          case 'ready':
            ready.resolve();
            break;
          case 'failed':
            ready.reject(new Error(m.message));
            break;
          case 'batch':
            this.#applied += m.batch.applied;
            this.emit('batch', m.batch);
            break;
          case 'error':
            if (this.listenerCount('error') > 0) this.emit('error', new Error(m.message));
            break;
          case 'stopped':
            resolve();
        }
      });
      this.#worker.on('error', (error) => {
        ready.reject(error);
        reject(error);
      });
      this.#worker.on('exit', () => resolve());
    });
    this.#stopped.catch(() => undefined);
  }

  /** Starts the thread; resolves once its projector loop runs. */
  static async open(options: ProjectorThreadOptions): Promise<ProjectorThread> {
    let ready!: { resolve: () => void; reject: (e: Error) => void };
    const started = new Promise<void>((resolve, reject) => (ready = { resolve, reject }));
    const thread = new ProjectorThread(options, ready);
    await started;
    return thread;
  }

  /** Events the thread has projected so far. */
  get applied(): number {
    return this.#applied;
  }

  /** Stops after the batch in flight has committed, closes the thread's pool and ends the thread. */
  async stop(): Promise<void> {
    this.#worker.postMessage('stop');
    try {
      await this.#stopped;
    } finally {
      await this.#worker.terminate();
    }
  }
}

/** The thread's side: opens its pool, runs the projector loop until told to stop. */
export async function runProjectorThread(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('internal: not on a worker thread');
  const say = (m: ThreadMessage) => port.postMessage(m);
  const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
  const options = workerData as ProjectorThreadOptions;
  let store: Awaited<ReturnType<typeof openPostgresStore>> | undefined;
  let projector: StatsProjector;
  try {
    store = await openPostgresStore({ connectionString: options.connectionString, schema: options.schema, max: 2 });
    const calendars = loadCalendarsFromDir(options.calendars);
    const calendar = calendars.get(STATS_CALENDAR);
    if (!calendar) throw new Error(`缺少工作日历 missing calendar ${STATS_CALENDAR} in ${options.calendars}`);
    projector = new StatsProjector({
      db: store.db,
      calendar,
      definitions: new DefinitionRegistry(compileStoredWith(calendars)),
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
      ...(options.activePollMs !== undefined ? { activePollMs: options.activePollMs } : {}),
    });
  } catch (error) {
    say({ type: 'failed', message: message(error) });
    await store?.close().catch(() => undefined);
    port.close();
    return;
  }
  projector.on('batch', (b) =>
    say({ type: 'batch', batch: { rows: b.rows, applied: b.applied, counted: [...b.counted], failures: b.failures.length, at: performance.timeOrigin + performance.now() } }),
  );
  projector.on('error', (e) => say({ type: 'error', message: message(e) }));
  await projector.start();
  const opened = store;
  port.once('message', () => {
    void (async () => {
      await projector.stop();
      await opened.close();
      say({ type: 'stopped' });
      port.close();
    })();
  });
  say({ type: 'ready' });
}

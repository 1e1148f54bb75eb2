import { EventEmitter } from 'node:events';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { TimerThreadData, TimerThreadMessage, TimerThreadRequest, ThreadError } from './timer-thread.ts';
import { addBatch, emptyBatch, type TimerBatch, type TimerSchedulerEvents } from './timer-scheduler.ts';

export interface TimerThreadsOptions {
  /** PostgreSQL URL; every thread opens its own pool on it. */
  connectionString: string;
  /** Schema holding govflow's tables. Default `public`. */
  schema?: string;
  /** Threads to run (≥ 1). */
  threads: number;
  /** Working-day calendar directory: threads compile the stored definitions with it. */
  calendars: string;
  /** Timers claimed and applied per transaction. Default 1000. */
  batchSize?: number;
  /** Longest pause between polls once nothing is due, in ms (a thread wakes at an earlier due instant). Default 1000. */
  pollMs?: number;
  /** Firings tried before a failing timer is parked. Default 5. */
  maxAttempts?: number;
  /**
   * Claim transactions in flight at once per thread (its pool has as many connections). Default
   * `defaultLanes(threads)`: 1 with several threads, 2 with one.
   */
  concurrency?: number;
}

/**
 * Claim transactions a thread keeps in flight by default: two when it is the only thread (the
 * engine works on one batch while the database writes the other), one when there are several
 * (the threads overlap each other's engine and database work). Every claim passes over the due
 * timers the claims in flight hold, reading each one's instance row and trying its lock, so each
 * claim in flight beyond what keeps the cores busy costs every fired timer more: on two cores, two
 * threads of two lanes each read nearly three more instance rows per fired timer than a single
 * claim does, of one lane each about one more, and the latter fire a storm of 10,000 or 100,000
 * timers sooner.
 */
export function defaultLanes(threads: number): number {
  return threads > 1 ? 1 : 2;
}

/**
 * Timer threads a worker node runs by default: one per core but one, up to four — the core left
 * over is the main thread's, whose outbox relay and statistics projector have a storm's events to
 * deliver and count while the threads fire it. None (the in-process scheduler) on a single core.
 */
export function defaultTimerThreads(): number {
  const cores = os.availableParallelism();
  return cores < 2 ? 0 : Math.min(4, cores - 1);
}

/**
 * Runs the timer scheduler on `threads` worker threads, each with its own connection pool and
 * runtime, claiming and firing in its own transactions: claims lock instance rows with
 * `FOR UPDATE SKIP LOCKED`, so threads are disjoint exactly as several engine nodes are, and a
 * timer is deleted in the transaction that records its event. The engine's CPU work (step, SM3
 * seal, JSON) thus spreads over the cores. PostgreSQL only, by the database clock; on PGlite, or
 * with an injected clock, use `TimerScheduler` in process.
 *
 * Same surface as `TimerScheduler`: `drain`, `start`, `stop`, and the events `batch`, `idle` (a
 * thread's poll found nothing due) and `error`, forwarded from the threads. A thread that dies is
 * reported as an `error`; while started, it is replaced after `pollMs`. `close` ends the threads.
 */
export class TimerThreads extends EventEmitter<TimerSchedulerEvents> {
  readonly threads: number;
  readonly #data: TimerThreadData;
  readonly #slots: ThreadSlot[] = [];
  readonly #respawns = new Set<NodeJS.Timeout>();
  #started = false;
  #closed = false;

  private constructor(options: TimerThreadsOptions) {
    super();
    if (!Number.isInteger(options.threads) || options.threads < 1) {
      throw new RangeError(`定时器线程数须为正整数 timer threads must be a positive integer (got ${options.threads})`);
    }
    this.threads = options.threads;
    this.#data = {
      connectionString: options.connectionString,
      schema: options.schema ?? 'public',
      calendars: options.calendars,
      batchSize: options.batchSize ?? 1000,
      pollMs: options.pollMs ?? 1000,
      maxAttempts: options.maxAttempts ?? 5,
      concurrency: options.concurrency ?? defaultLanes(options.threads),
    };
  }

  /** Claim transactions each thread keeps in flight. */
  get lanes(): number {
    return this.#data.concurrency;
  }

  /**
   * Starts the threads and resolves once each has connected (its lanes' connections open) and is
   * ready to claim. @throws the first thread's error (the others are closed) when one cannot start.
   */
  static async open(options: TimerThreadsOptions): Promise<TimerThreads> {
    const set = new TimerThreads(options);
    const slots = Array.from({ length: set.threads }, () => set.#spawn());
    set.#slots.push(...slots);
    const started = await Promise.allSettled(slots.map((s) => s.ready));
    const failure = started.find((r) => r.status === 'rejected');
    if (failure) {
      await set.close();
      throw failure.reason;
    }
    return set;
  }

  /**
   * Every thread drains (its lanes claim until a claim finds nothing): resolves when everything
   * due now has fired, with the threads' totals. @throws a thread's error, once all have finished.
   */
  async drain(): Promise<TimerBatch> {
    const results = await Promise.allSettled(this.#slots.map((s) => s.request('drain')));
    const total = emptyBatch();
    for (const r of results) {
      if (r.status === 'rejected') throw r.reason;
      if (r.value) addBatch(total, r.value);
    }
    return total;
  }

  /** Starts polling on every thread: each drains at once (overdue timers), then at each next due instant or every `pollMs`. */
  start(): void {
    if (this.#closed) throw new Error('定时器线程已关闭 timer threads are closed');
    if (this.#started) return;
    this.#started = true;
    for (const slot of this.#slots) slot.request('start').catch((error: unknown) => this.#report(error));
  }

  /** Stops polling; resolves when every thread's batches in flight have committed. */
  async stop(): Promise<void> {
    this.#started = false;
    for (const t of this.#respawns) clearTimeout(t);
    this.#respawns.clear();
    await Promise.all(this.#slots.map((s) => (s.alive ? s.request('stop').catch((error: unknown) => this.#report(error)) : undefined)));
  }

  /** Stops, then ends every thread (its pool closed). */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.stop();
    this.#closed = true;
    await Promise.all(this.#slots.map((s) => s.close()));
  }

  #spawn(): ThreadSlot {
    const slot: ThreadSlot = new ThreadSlot(this.#data, (m) => {
      if (m.type === 'batch') this.emit('batch', m.batch);
      else if (m.type === 'idle') this.emit('idle');
      else if (m.type === 'error') this.#report(fromThreadError(m.error));
    }, (error) => this.#lost(slot, error));
    return slot;
  }

  /** A thread died: report it and, while started, put a new one in its place after `pollMs`. */
  #lost(slot: ThreadSlot, error: Error): void {
    this.#report(error);
    if (!this.#started || this.#closed) return;
    const timer = setTimeout(() => {
      this.#respawns.delete(timer);
      if (!this.#started || this.#closed) return;
      const i = this.#slots.indexOf(slot);
      if (i < 0) return;
      const next = this.#spawn();
      this.#slots[i] = next;
      // A replacement that fails to start exits too, and is reported and replaced in its turn.
      next.ready.then(
        () => (this.#started && !this.#closed ? next.request('start') : undefined),
        () => undefined,
      ).catch((e: unknown) => this.#report(e));
    }, this.#data.pollMs);
    this.#respawns.add(timer);
  }

  #report(error: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }
}

/**
 * Young generation of each timer thread, MB (V8's default is about 48). A batch's rows and
 * results stay alive from its claim to its commit, so every collection of the young generation
 * copies the batches in flight; with room for a few batches between collections a storm makes
 * half as many and copies about a quarter less.
 */
const YOUNG_GENERATION_MB = 192;

/** One worker thread and the requests waiting for its replies. */
class ThreadSlot {
  readonly ready: Promise<void>;
  readonly #worker: Worker;
  readonly #exited: Promise<void>;
  readonly #pending = new Map<number, { resolve: (total: TimerBatch | undefined) => void; reject: (error: Error) => void }>();
  #next = 0;
  #gone: Error | undefined;
  #closing = false;

  constructor(data: TimerThreadData, onEvent: (m: TimerThreadMessage) => void, onLost: (error: Error) => void) {
    this.#worker = new Worker(new URL('./timer-thread.mjs', import.meta.url), { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    let readyResolve!: () => void;
    let readyReject!: (error: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      readyResolve = resolve;
      readyReject = reject;
    });
    // `open` awaits it; a slot spawned later is watched by its `then`.
    this.ready.catch(() => undefined);
    this.#worker.on('message', (m: TimerThreadMessage) => {
      if (m.type === 'ready') readyResolve();
      else if (m.type === 'failed') {
        this.#gone = fromThreadError(m.error);
        readyReject(this.#gone);
      }
      else if (m.type === 'reply') {
        const waiting = this.#pending.get(m.id);
        this.#pending.delete(m.id);
        if (m.ok) waiting?.resolve(m.total);
        else waiting?.reject(fromThreadError(m.error));
      } else onEvent(m);
    });
    this.#worker.on('error', (error) => {
      this.#gone ??= error;
    });
    this.#exited = new Promise<void>((resolve) => {
      this.#worker.once('exit', (code) => {
        const error = this.#gone ?? new Error(`定时器线程已退出 timer thread exited (code ${code})`);
        this.#gone = error;
        readyReject(error);
        for (const waiting of this.#pending.values()) waiting.reject(error);
        this.#pending.clear();
        if (!this.#closing) onLost(error);
        resolve();
      });
    });
  }

  get alive(): boolean {
    return this.#gone === undefined;
  }

  request(op: TimerThreadRequest['op']): Promise<TimerBatch | undefined> {
    if (this.#gone) return Promise.reject(this.#gone);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, op } satisfies TimerThreadRequest);
    });
  }

  /** Closes the thread's scheduler and pool, then ends the thread. */
  async close(): Promise<void> {
    this.#closing = true;
    if (this.alive) await this.request('close').catch(() => undefined);
    await this.#worker.terminate();
    await this.#exited;
  }
}

function fromThreadError(e: ThreadError): Error {
  const error = new Error(e.message);
  error.name = e.name;
  if (e.stack) error.stack = e.stack;
  if (e.code !== undefined) Object.assign(error, { code: e.code });
  return error;
}

import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import type { Calendar } from '../../engine/calendar/types.ts';
import type { RealtimeBus } from '../bus/realtime-bus.ts';
import type { DefinitionResolver } from './definition-resolver.ts';
import { defaultEngine, type EnginePort } from '../runtime/engine-port.ts';
import type { Database } from '../storage/database.ts';
import { projectBatch, type BatchReport, type ProjectionContext } from './project-batch.ts';

/** Calendar statistics count working days in. */
export const STATS_CALENDAR = 'cn-mainland';

export interface StatsProjectorOptions {
  db: Kysely<Database>;
  /** Calendar working days are counted in: `cn-mainland`. */
  calendar: Calendar;
  /** Resolves the definition versions instances are pinned to: the runtime's registry, or `resolverFromFiles`. */
  definitions: DefinitionResolver;
  /** Default: the engine in `engine/`. */
  engine?: EnginePort;
  /** Audit rows per transaction. Default 2000. */
  batchSize?: number;
  /** Poll interval of the running loop when idle, ms. Default 250, so lag stays under a second. */
  pollMs?: number;
  /**
   * Poll interval while the log is moving: the last batch found rows, or committed rows were held
   * back by the watermark (a transaction older than they are still ran — under load, usually a
   * command transaction about to commit), ms. Default 20: under load each batch takes what came in
   * the last few tens of milliseconds, and an idle node still polls only every `pollMs`.
   */
  activePollMs?: number;
  /** Any message on this bus (the outbox relay publishes every committed change) wakes the loop early. */
  bus?: RealtimeBus;
}

export interface CatchUpReport {
  rows: number;
  applied: number;
  batches: number;
  failures: BatchReport['failures'];
}

export interface StatsProjectorEvents {
  batch: [BatchReport];
  idle: [];
  error: [unknown];
}

/**
 * Keeps the statistics projections up to date from the audit log, off the command path. Any
 * number of projectors (one per engine node) may run against one database: the checkpoint row
 * lock lets one batch through at a time and the rest skip, so nothing is counted twice.
 */
export class StatsProjector extends EventEmitter<StatsProjectorEvents> {
  readonly #db: Kysely<Database>;
  readonly #ctx: ProjectionContext;
  readonly #batchSize: number;
  readonly #pollMs: number;
  readonly #activePollMs: number;
  readonly #bus: RealtimeBus | undefined;
  #running: Promise<void> | undefined;
  #stopping = false;
  #wake: (() => void) | undefined;
  /** A wake that came while a batch ran: the next pause returns at once. */
  #woken = false;
  #unsubscribe: (() => Promise<void>) | undefined;

  constructor(options: StatsProjectorOptions) {
    super();
    this.#db = options.db;
    this.#ctx = { engine: options.engine ?? defaultEngine, calendar: options.calendar, definitions: options.definitions };
    this.#batchSize = options.batchSize ?? 2000;
    this.#pollMs = options.pollMs ?? 250;
    this.#activePollMs = options.activePollMs ?? 20;
    this.#bus = options.bus;
  }

  /** Projects one batch; `busy` when another projector holds the checkpoint. */
  async runOnce(): Promise<BatchReport> {
    const report = await projectBatch(this.#db, this.#ctx, this.#batchSize);
    if (report.rows > 0) this.emit('batch', report);
    return report;
  }

  /**
   * Projects until every committed audit row is counted — waiting on the checkpoint lock while
   * a projector on another node finishes its batch, and polling every 10 ms while a transaction
   * older than the newest rows is still open (the watermark) — then resolves. Meant for `stats rebuild`, the demo and tests.
   *
   * @param maxStallMs how long to wait for a transaction that holds the watermark back. Default 60 s.
   * @throws Error when the watermark has not moved for `maxStallMs` (a transaction left open).
   */
  async catchUp(maxStallMs = 60_000): Promise<CatchUpReport> {
    const total: CatchUpReport = { rows: 0, applied: 0, batches: 0, failures: [] };
    let stalledSince: number | undefined;
    for (;;) {
      const report = await projectBatch(this.#db, this.#ctx, this.#batchSize, 'wait');
      if (report.rows > 0) this.emit('batch', report);
      total.rows += report.rows;
      total.applied += report.applied;
      total.batches += report.rows > 0 ? 1 : 0;
      total.failures.push(...report.failures);
      if (report.rows > 0) {
        stalledSince = undefined;
        continue;
      }
      if (!report.heldBack) return total;
      stalledSince ??= Date.now();
      if (Date.now() - stalledSince > maxStallMs) {
        throw new Error(`统计投影等待未结束的事务超时 statistics are held back by a transaction that has not ended for ${maxStallMs} ms`);
      }
      await this.#pause(10);
    }
  }

  /**
   * Starts the loop: a batch whenever woken, back to back while behind, every `activePollMs`
   * while the log moves (rows came, or wait for an older transaction to end), else every `pollMs`.
   */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#stopping = false;
    if (this.#bus) this.#unsubscribe = await this.#bus.subscribe(() => this.wake());
    this.#running = this.#loop();
  }

  /** Stops after the batch in flight has committed. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.wake();
    await this.#running;
    this.#running = undefined;
    await this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  /** Runs the next batch now instead of at the next poll (or right after the batch in flight). */
  wake(): void {
    if (this.#wake) this.#wake();
    else this.#woken = true;
  }

  async #loop(): Promise<void> {
    while (!this.#stopping) {
      let wait = this.#pollMs;
      this.#woken = false;
      try {
        const report = await this.runOnce();
        if (report.rows >= this.#batchSize) wait = 0;
        else if (report.rows > 0 || report.heldBack) wait = this.#activePollMs;
        if (report.rows === 0 && !report.busy && !report.heldBack) this.emit('idle');
      } catch (error) {
        if (this.listenerCount('error') > 0) this.emit('error', error);
      }
      if (this.#stopping) break;
      if (wait > 0 && !this.#woken) await this.#pause(wait);
    }
  }

  #pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    }).finally(() => {
      this.#wake = undefined;
    });
  }
}

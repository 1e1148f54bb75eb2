import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import type { Database } from '../storage/database.ts';
import type { Clock } from '../runtime/clock.ts';
import type { TimerCommand } from '../runtime/commands.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { claimDueTimers, msUntilNextDue, rearmFailedTimers, type ClaimedTimer } from './claim-due-timers.ts';
import { WARM_UP_TIMERS, warmUpFiring } from './warm-up.ts';

export interface TimerSchedulerOptions {
  db: Kysely<Database>;
  runtime: Runtime;
  /** Timers claimed and applied per transaction. Default 1000. */
  batchSize?: number;
  /**
   * Longest pause between polls once nothing is due, in ms. Default 1000. On the database clock
   * the scheduler wakes sooner when a timer falls due sooner: at its due instant.
   */
  pollMs?: number;
  /** Firings tried before a failing timer is parked. Default 5. */
  maxAttempts?: number;
  /**
   * Claim transactions in flight at once while draining (each on its own connection; SKIP LOCKED
   * keeps them disjoint), so the engine's work on one batch overlaps the database's on another.
   * Default 2.
   */
  concurrency?: number;
  /** Default: the database clock, so that nodes with skewed clocks agree on what is due. */
  clock?: Clock;
}

/** What one claim transaction did. */
export interface TimerBatch {
  claimed: number;
  fired: number;
  /** Timers the instance no longer expected (re-armed or cancelled meanwhile). */
  stale: number;
  /** Timers whose firing failed and were put back with a backoff. */
  failed: number;
  /** Largest lateness among the fired timers, ms (by the clock that claimed them). */
  maxLateMs: number;
}

/** The runtime commands that fire claimed timers (each instance's locked row passed along with its first). */
export function timerCommands(claimed: readonly ClaimedTimer[]): TimerCommand[] {
  return claimed.map((t) => {
    const command: TimerCommand = { kind: 'timer', instanceId: t.instanceId, timerId: t.timerId, dueAt: t.dueAt, firedAt: t.firedAt };
    if (t.instance) command.loaded = t.instance;
    return command;
  });
}

/** A batch with nothing in it, to add batches to. */
export function emptyBatch(): TimerBatch {
  return { claimed: 0, fired: 0, stale: 0, failed: 0, maxLateMs: 0 };
}

/** Adds `b` into `total` (counts summed, the largest lateness kept). */
export function addBatch(total: TimerBatch, b: TimerBatch): TimerBatch {
  total.claimed += b.claimed;
  total.fired += b.fired;
  total.stale += b.stale;
  total.failed += b.failed;
  total.maxLateMs = Math.max(total.maxLateMs, b.maxLateMs);
  return total;
}

/**
 * A drain's first claim per lane, at most: small, so the first firings of a storm commit within
 * a few tens of milliseconds; each next claim of the lane is four times larger, up to the batch
 * size, where the claim's cost per timer is lowest.
 */
export const FIRST_CLAIM = 100;

export interface TimerSchedulerEvents {
  batch: [TimerBatch];
  /** A poll found nothing due. */
  idle: [];
  error: [unknown];
}

/**
 * Fires due timers through the runtime's command path, inside the transaction that claimed
 * them, so a timer is deleted exactly when its event is recorded: with any number of nodes,
 * each timer fires once. Started after downtime, it first works off everything overdue; each
 * fired event records in its audit payload how late it was.
 */
export class TimerScheduler extends EventEmitter<TimerSchedulerEvents> {
  readonly #options: Required<Omit<TimerSchedulerOptions, 'clock'>> & { clock?: Clock };
  #running: Promise<void> | undefined;
  #stopping = false;
  #wake: (() => void) | undefined;

  constructor(options: TimerSchedulerOptions) {
    super();
    this.#options = { batchSize: 1000, pollMs: 1000, maxAttempts: 5, concurrency: 2, ...options };
  }

  /**
   * Plans (without writing or locking anything) the firing of the next due timers, up to one
   * batch, so that the code and definitions they need are ready before they are due: see
   * `warmUpFiring`. Call it before `start` or a `drain` that should not pay for a cold start.
   */
  warmUp(): Promise<void> {
    return warmUpFiring(this.#options.db, this.#options.runtime, Math.min(this.#options.batchSize, WARM_UP_TIMERS), this.#options.clock?.now());
  }

  /** Claims and fires one batch (of at most `limit` timers, by default the batch size) in one transaction. */
  async runOnce(limit = this.#options.batchSize): Promise<TimerBatch> {
    const { db, runtime, maxAttempts, clock } = this.#options;
    const batch = await db.transaction().execute(async (trx) => {
      const claimed = await claimDueTimers(trx, limit, clock?.now());
      const result: TimerBatch = { ...emptyBatch(), claimed: claimed.length };
      if (claimed.length === 0) return result;
      const outcomes = await runtime.applyIn(trx, timerCommands(claimed));
      const failed: Array<{ timer: ClaimedTimer; error: string }> = [];
      outcomes.forEach((outcome, i) => {
        const timer = claimed[i] as ClaimedTimer;
        if (!outcome.ok) {
          failed.push({ timer, error: outcome.error instanceof Error ? `${outcome.error.name}: ${outcome.error.message}` : String(outcome.error) });
        } else if (outcome.result.skipped) {
          result.stale += 1;
        } else {
          result.fired += 1;
          result.maxLateMs = Math.max(result.maxLateMs, timer.firedAt - timer.dueAt);
        }
      });
      await rearmFailedTimers(trx, failed, maxAttempts);
      result.failed = failed.length;
      return result;
    });
    if (batch.claimed > 0) this.emit('batch', batch);
    return batch;
  }

  /**
   * Runs batches (`concurrency` lanes at a time) until each lane's claim finds nothing: everything
   * due now has fired (but timers of an instance a command holds, picked up by the next poll).
   * Each lane's claims grow from `FIRST_CLAIM` to the batch size. A claim that comes back short is
   * no sign of the end: rows it found due may have been fired meanwhile by another lane.
   */
  drain(): Promise<TimerBatch> {
    return this.#drain(() => false);
  }

  /** `drain`, whose lanes also end once `stopped()` says so (after the batch each has in flight). */
  async #drain(stopped: () => boolean): Promise<TimerBatch> {
    const total = emptyBatch();
    const { batchSize } = this.#options;
    const lane = async () => {
      for (let limit = Math.min(FIRST_CLAIM, batchSize); ; limit = Math.min(limit * 4, batchSize)) {
        const b = await this.runOnce(limit);
        addBatch(total, b);
        if (b.claimed === 0 || stopped()) return;
      }
    };
    await Promise.all(Array.from({ length: this.#options.concurrency }, lane));
    return total;
  }

  /**
   * Starts polling: drains at once (overdue timers after downtime), then again at the next timer's
   * due instant or after `pollMs`, whichever comes first.
   */
  start(): void {
    if (this.#running) return;
    this.#stopping = false;
    this.#running = this.#loop();
  }

  /**
   * Stops polling: a drain the loop has under way ends after the batches in flight (the rest stays
   * due for the next start or another node); resolves when they have committed.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#running;
    this.#running = undefined;
  }

  async #loop(): Promise<void> {
    while (!this.#stopping) {
      try {
        const b = await this.#drain(() => this.#stopping);
        if (b.claimed === 0) this.emit('idle');
      } catch (error) {
        if (this.listenerCount('error') > 0) this.emit('error', error);
      }
      if (this.#stopping) break;
      const pause = await this.#pause();
      if (this.#stopping) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pause);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  /**
   * The loop's pause after a drain: until the next timer not yet due falls due, at most `pollMs`.
   * Timers due but not claimed (their instance held by a command or another node) wait `pollMs`.
   * With an injected clock, which need not follow real time, always `pollMs`.
   */
  async #pause(): Promise<number> {
    const { db, pollMs, clock } = this.#options;
    if (clock) return pollMs;
    try {
      const ms = await msUntilNextDue(db);
      return ms === undefined ? pollMs : Math.min(pollMs, Math.max(1, Math.ceil(ms)));
    } catch (error) {
      if (this.listenerCount('error') > 0) this.emit('error', error);
      return pollMs;
    }
  }
}

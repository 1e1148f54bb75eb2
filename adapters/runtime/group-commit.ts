import type { Kysely } from 'kysely';
import { AdapterError } from '../errors.ts';
import type { Database } from '../storage/database.ts';
import { applyAutocommit } from './apply-autocommit.ts';
import type { ApplyContext } from './apply-commands.ts';
import type { Command, CommandOutcome } from './commands.ts';

export interface GroupCommitOptions {
  /**
   * How long the first command of a batch waits for company, in ms. Default 0: a batch goes at the
   * end of the event-loop turn in which a connection is free, and commands arriving meanwhile form
   * the next batch, so a lone command waits for nothing but the end of the turn and a busy node
   * batches by itself.
   */
  intervalMs?: number;
  /** Largest batch; a full batch is flushed at once. Default 256. */
  maxBatch?: number;
  /** Batches in flight at once (each holds one connection). Default 2. */
  concurrency?: number;
}

/** Below this many queued commands a free lane takes them all rather than sharing them out. */
const MIN_SHARE = 16;

interface Waiting {
  command: Command;
  resolve: (outcome: CommandOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: commands from many callers and instances share one transaction, flushed when a
 * connection is free (or every `intervalMs`) or when the batch is full; each caller hears back
 * only after that transaction committed. A command whose instance is in a batch still in flight waits for the
 * next batch, so one instance's commands apply in arrival order and never race each other.
 */
export class GroupCommitter {
  readonly #db: Kysely<Database>;
  readonly #ctx: ApplyContext;
  readonly #intervalMs: number;
  readonly #maxBatch: number;
  readonly #concurrency: number;
  #queue: Waiting[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #busyInstances = new Set<string>();
  #closed = false;
  #flushQueued = false;

  constructor(db: Kysely<Database>, ctx: ApplyContext, options: GroupCommitOptions = {}) {
    this.#db = db;
    this.#ctx = ctx;
    this.#intervalMs = options.intervalMs ?? 0;
    this.#maxBatch = options.maxBatch ?? 256;
    this.#concurrency = options.concurrency ?? 2;
  }

  /** Queues a command; resolves with its outcome after its batch committed, rejects if the batch failed. */
  submit(command: Command): Promise<CommandOutcome> {
    if (this.#closed) return Promise.reject(new AdapterError('RUNTIME_CLOSED', '运行时已关闭 runtime is closed'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ command, resolve, reject });
      this.#schedule();
    });
  }

  /** Flushes what is queued and waits for every batch in flight. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#queue.length > 0 || this.#inFlight.size > 0) {
      this.#flush();
      await Promise.race(this.#inFlight);
    }
    if (this.#timer) clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#queue.length >= this.#maxBatch) {
      this.#flush();
    } else if (this.#intervalMs === 0 && this.#inFlight.size < this.#concurrency) {
      this.#flushAtEndOfTurn();
    } else if (!this.#timer && this.#queue.length > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#flush();
      }, this.#intervalMs);
    }
  }

  /**
   * Flushes once the current turn of the event loop is over (`setImmediate` runs after every
   * pending promise callback). When a batch commits, its callers are acknowledged one promise
   * callback after another and many send their next command at once: they all go together, where
   * flushing on the first arrival would send it alone and split the rest into small batches, whose
   * fixed costs (statement, commit) then dominate.
   */
  #flushAtEndOfTurn(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    setImmediate(() => {
      this.#flushQueued = false;
      this.#flush();
    });
  }

  #flush(): void {
    while (this.#inFlight.size < this.#concurrency && this.#queue.length > 0) {
      // What is queued is spread over the free lanes: the engine prepares one batch while the
      // database writes another, instead of one lane taking everything while the others idle
      // until its callers come back.
      const free = this.#concurrency - this.#inFlight.size;
      const size = Math.min(this.#maxBatch, Math.max(MIN_SHARE, Math.ceil(this.#queue.length / free)));
      const batch: Waiting[] = [];
      const rest: Waiting[] = [];
      for (const w of this.#queue) {
        if (batch.length < size && !this.#busyInstances.has(w.command.instanceId)) batch.push(w);
        else rest.push(w);
      }
      if (batch.length === 0) break;
      this.#queue = rest;
      const ids = new Set(batch.map((w) => w.command.instanceId));
      for (const id of ids) this.#busyInstances.add(id);
      const run = this.#run(batch).finally(() => {
        for (const id of ids) this.#busyInstances.delete(id);
        this.#inFlight.delete(run);
        this.#schedule();
      });
      this.#inFlight.add(run);
    }
  }

  async #run(batch: Waiting[]): Promise<void> {
    try {
      const outcomes = await applyAutocommit(this.#db, batch.map((w) => w.command), this.#ctx);
      batch.forEach((w, i) => w.resolve(outcomes[i] as CommandOutcome));
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  }
}

import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { RealtimeBus } from '../../../adapters/bus/realtime-bus.ts';
import type { Database } from '../../../adapters/storage/database.ts';
import { feedEnd, feedWriters, readFeed, type FeedMessage } from './feed.ts';

export interface StreamClient {
  accepts(message: FeedMessage): boolean;
  deliver(message: FeedMessage): void;
  /** The hub is closing (server shutdown): end the stream. */
  end(): void;
}

export interface StreamHubOptions {
  bus: RealtimeBus;
  db: Kysely<Database>;
  logger: Logger;
  /** Longest wait for a transaction that holds a not yet visible feed position, ms. Default 60 000. */
  maxHoldMs?: number;
  /** Pause between checks while waiting for one, or after a failed read, ms. Default 25. */
  recheckMs?: number;
  /** While streams are open, the feed is also read this often, for what other processes commit, ms. Default 250. */
  pollMs?: number;
}

/** Rows read per query. */
const BATCH = 500;

/**
 * Follows the feed (outbox and audit rows, see `feed.ts`) in position order, and hands each
 * message to every open stream that accepts it. It reads when woken — by the bus (outbox rows
 * delivered on any node), by `wake()` after a commit in this process — and every `pollMs` while
 * streams are open, for case changes committed by timer threads and other nodes. The messages
 * themselves are read from the database, so every stream of every node sees the same messages in
 * the same order, and a stream's last position says exactly what it was given.
 *
 * Positions are drawn when a row is inserted, so a later one can commit first. The hub never
 * passes a missing position while a transaction that may hold it is still open (a writer of the
 * outbox or the audit log when the gap was seen); once all those have ended, a position still
 * missing was rolled back or pruned and is skipped. A transaction holding one longer than
 * `maxHoldMs` is given up on.
 */
export class StreamHub {
  readonly #bus: RealtimeBus;
  readonly #db: Kysely<Database>;
  readonly #logger: Logger;
  readonly #maxHoldMs: number;
  readonly #recheckMs: number;
  readonly #pollMs: number;
  #poll: ReturnType<typeof setInterval> | undefined;
  readonly #clients = new Set<StreamClient>();
  /** Every row up to here has been handed on (or was never there); `undefined` while nobody listens. */
  #mark: number | undefined;
  /** The missing position after `#mark` being waited for, and the writers that may still hold it. */
  #hold: { at: number; writers: Set<string>; since: number } | undefined;
  #work: Promise<unknown> = Promise.resolve();
  #readQueued = false;
  #recheck: ReturnType<typeof setTimeout> | undefined;
  #unsubscribe: Promise<() => Promise<void>> | undefined;
  #closed = false;

  constructor(options: StreamHubOptions) {
    this.#bus = options.bus;
    this.#db = options.db;
    this.#logger = options.logger;
    this.#maxHoldMs = options.maxHoldMs ?? 60_000;
    this.#recheckMs = options.recheckMs ?? 25;
    this.#pollMs = options.pollMs ?? 250;
  }

  /** Number of open streams. */
  get size(): number {
    return this.#clients.size;
  }

  /** The missing feed position the hub is waiting for, if any. */
  get holding(): number | undefined {
    return this.#hold?.at;
  }

  /**
   * Adds a stream once the bus subscription is live. `start` is the feed position the stream's
   * live messages follow: everything up to it is history, for a replay to fetch.
   */
  async add(client: StreamClient): Promise<{ start: number; remove: () => void }> {
    if (this.#closed) {
      client.end();
      return { start: 0, remove: () => undefined };
    }
    this.#unsubscribe ??= this.#bus.subscribe(() => this.wake());
    await this.#unsubscribe;
    const start = await this.#serially(async () => {
      if (this.#clients.size === 0 || this.#mark === undefined) {
        this.#hold = undefined;
        this.#mark = await this.#settledEnd();
      }
      this.#clients.add(client);
      if (this.#poll === undefined && !this.#closed) {
        this.#poll = setInterval(() => this.wake(), this.#pollMs);
        this.#poll.unref();
      }
      return this.#mark;
    });
    return {
      start,
      remove: () => {
        this.#clients.delete(client);
        if (this.#clients.size === 0) this.#stopPolling();
      },
    };
  }

  #stopPolling(): void {
    if (this.#poll !== undefined) clearInterval(this.#poll);
    this.#poll = undefined;
  }

  /** Reads what is new (once per burst of wakes): call after committing in this process. */
  wake(): void {
    if (this.#closed || this.#clients.size === 0 || this.#readQueued) return;
    this.#readQueued = true;
    void this.#serially(async () => {
      this.#readQueued = false;
      try {
        await this.#read();
      } catch (error) {
        this.#logger.warn({ err: error }, 'stream feed read failed');
        this.#scheduleRecheck();
      }
    });
  }

  #serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#work.then(task);
    this.#work = run.catch(() => undefined);
    return run;
  }

  /** The last position written, once every transaction that may hold an earlier one has ended. */
  async #settledEnd(): Promise<number> {
    const end = await feedEnd(this.#db);
    const writers = new Set(await feedWriters(this.#db));
    const since = Date.now();
    while (writers.size > 0 && !this.#closed && Date.now() - since < this.#maxHoldMs) {
      await new Promise((resolve) => setTimeout(resolve, this.#recheckMs));
      const still = new Set(await feedWriters(this.#db));
      for (const w of writers) if (!still.has(w)) writers.delete(w);
    }
    return end;
  }

  async #read(): Promise<void> {
    for (;;) {
      if (this.#closed || this.#clients.size === 0 || this.#mark === undefined) return;
      const rows = await readFeed(this.#db, this.#mark, BATCH);
      let next = 0;
      while (next < rows.length && rows[next]!.position === this.#mark + 1) {
        this.#hold = undefined;
        this.#deliver(rows[next]!);
        this.#mark = rows[next]!.position;
        next++;
      }
      if (next < rows.length) {
        if (!(await this.#settleGap())) return;
      } else if (rows.length < BATCH) {
        return;
      }
    }
  }

  /**
   * The position after `#mark` is missing while later ones are visible. True once it is settled
   * (its writers are gone; it is then passed if still missing), false while still waiting.
   */
  async #settleGap(): Promise<boolean> {
    const at = this.#mark! + 1;
    const current = new Set(await feedWriters(this.#db));
    if (this.#hold?.at !== at) this.#hold = { at, writers: current, since: Date.now() };
    else for (const w of this.#hold.writers) if (!current.has(w)) this.#hold.writers.delete(w);
    if (this.#hold.writers.size > 0) {
      if (Date.now() - this.#hold.since < this.#maxHoldMs) {
        this.#scheduleRecheck();
        return false;
      }
      this.#logger.warn({ position: at, writers: [...this.#hold.writers] }, 'stream feed gave up waiting for a feed position');
    }
    // Nobody who could hold it is left: a second look finds it if it was committed meanwhile.
    const [first] = await readFeed(this.#db, this.#mark!, 1);
    if (first && first.position > at) this.#mark = first.position - 1;
    this.#hold = undefined;
    return true;
  }

  #scheduleRecheck(): void {
    if (this.#recheck !== undefined || this.#closed) return;
    this.#recheck = setTimeout(() => {
      this.#recheck = undefined;
      this.wake();
    }, this.#recheckMs);
  }

  #deliver(message: FeedMessage): void {
    for (const client of this.#clients) {
      if (client.accepts(message)) client.deliver(message);
    }
  }

  /** Ends every stream and the bus subscription. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#stopPolling();
    if (this.#recheck !== undefined) clearTimeout(this.#recheck);
    for (const client of this.#clients) client.end();
    this.#clients.clear();
    const unsubscribe = await this.#unsubscribe?.catch(() => undefined);
    await unsubscribe?.();
    await this.#work;
  }
}

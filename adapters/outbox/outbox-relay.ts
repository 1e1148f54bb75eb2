import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import type { Database } from '../storage/database.ts';
import { claimOutbox, markDelivered, markFailed } from './claim-outbox.ts';
import type { Dispatcher } from './outbox-message.ts';

export interface OutboxRelayOptions {
  db: Kysely<Database>;
  dispatchers: readonly Dispatcher[];
  /** Rows per transaction. Default 200. */
  batchSize?: number;
  /** Pause between polls once nothing is pending, in ms. Default 200. */
  pollMs?: number;
}

export interface OutboxBatch {
  delivered: number;
  failed: number;
}

export interface OutboxRelayEvents {
  batch: [OutboxBatch];
  idle: [];
  error: [unknown];
}

/**
 * Delivers outbox rows at least once: rows are locked, handed to every dispatcher, and marked
 * delivered in the same transaction. A crash between delivery and commit delivers them again,
 * under the same idempotency key. `wake()` shortens the wait after a commit in this process.
 */
export class OutboxRelay extends EventEmitter<OutboxRelayEvents> {
  readonly #options: Required<OutboxRelayOptions>;
  #running: Promise<void> | undefined;
  #stopping = false;
  #wake: (() => void) | undefined;
  #woken = false;

  constructor(options: OutboxRelayOptions) {
    super();
    this.#options = { batchSize: 200, pollMs: 200, ...options };
  }

  /** Claims and delivers one batch. */
  async runOnce(): Promise<OutboxBatch> {
    const { db, dispatchers, batchSize } = this.#options;
    const batch = await db.transaction().execute(async (trx) => {
      const messages = await claimOutbox(trx, batchSize);
      if (messages.length === 0) return { delivered: 0, failed: 0 };
      const positions = messages.map((m) => m.position);
      try {
        for (const d of dispatchers) await d.deliver(messages);
      } catch (error) {
        await markFailed(trx, positions, error instanceof Error ? error.message : String(error));
        return { delivered: 0, failed: messages.length };
      }
      await markDelivered(trx, positions);
      return { delivered: messages.length, failed: 0 };
    });
    if (batch.delivered + batch.failed > 0) this.emit('batch', batch);
    return batch;
  }

  /** Delivers until nothing is pending. */
  async drain(): Promise<OutboxBatch> {
    const total = { delivered: 0, failed: 0 };
    for (;;) {
      const b = await this.runOnce();
      total.delivered += b.delivered;
      total.failed += b.failed;
      if (b.delivered + b.failed < this.#options.batchSize) return total;
    }
  }

  start(): void {
    if (this.#running) return;
    this.#stopping = false;
    this.#running = this.#loop();
  }

  /** Ends the wait before the next poll (call after a commit that wrote outbox rows). */
  wake(): void {
    this.#woken = true;
    this.#wake?.();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#running;
    this.#running = undefined;
  }

  async #loop(): Promise<void> {
    while (!this.#stopping) {
      this.#woken = false;
      try {
        const b = await this.drain();
        if (b.delivered + b.failed === 0) this.emit('idle');
      } catch (error) {
        if (this.listenerCount('error') > 0) this.emit('error', error);
      }
      if (this.#stopping || this.#woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.#options.pollMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }
}

import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import type { Database } from '../storage/database.ts';
import { escalateDueAlerts, type EscalatedAlert } from './escalate-due-alerts.ts';
import { DEFAULT_ESCALATION_POLICY, type EscalationPolicy } from './escalation-policy.ts';

export interface AlertEscalatorOptions {
  db: Kysely<Database>;
  /** Default `DEFAULT_ESCALATION_POLICY` (4 h; yellow and red cards, overrun steps). */
  policy?: EscalationPolicy;
  /** Alerts escalated per transaction. Default 500. */
  batchSize?: number;
  /** Pause between passes once nothing is due, ms. Default 5000 (escalation waits are hours). */
  pollMs?: number;
  /** Called after a batch committed (the server wakes its outbox relay with it). */
  onEscalated?: (alerts: readonly EscalatedAlert[]) => void;
}

export interface AlertEscalatorEvents {
  batch: [EscalatedAlert[]];
  idle: [];
  error: [unknown];
}

/**
 * The escalation job: every `pollMs`, escalates the alerts nobody acknowledged in time (see
 * `escalateDueAlerts`), one transaction per batch. Runs on every engine node; the row locks make
 * each escalation happen once. The database clock decides what is due, so nodes with skewed
 * clocks agree.
 */
export class AlertEscalator extends EventEmitter<AlertEscalatorEvents> {
  readonly #db: Kysely<Database>;
  readonly #policy: EscalationPolicy;
  readonly #batchSize: number;
  readonly #pollMs: number;
  readonly #onEscalated: ((alerts: readonly EscalatedAlert[]) => void) | undefined;
  #running: Promise<void> | undefined;
  #stopping = false;
  #wake: (() => void) | undefined;

  constructor(options: AlertEscalatorOptions) {
    super();
    this.#db = options.db;
    this.#policy = options.policy ?? DEFAULT_ESCALATION_POLICY;
    this.#batchSize = options.batchSize ?? 500;
    this.#pollMs = options.pollMs ?? 5000;
    this.#onEscalated = options.onEscalated;
  }

  get policy(): EscalationPolicy {
    return this.#policy;
  }

  /** Escalates one batch in one transaction; resolves with what it escalated once committed. */
  async runOnce(): Promise<EscalatedAlert[]> {
    const escalated = await this.#db.transaction().execute((trx) => escalateDueAlerts(trx, this.#policy, this.#batchSize));
    if (escalated.length > 0) {
      this.#onEscalated?.(escalated);
      this.emit('batch', escalated);
    }
    return escalated;
  }

  /** Runs batches until one comes back short: everything due now is escalated. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const batch = await this.runOnce();
      total += batch.length;
      if (batch.length < this.#batchSize) return total;
    }
  }

  /** Starts the loop: drains at once, then every `pollMs`. */
  start(): void {
    if (this.#running) return;
    this.#stopping = false;
    this.#running = this.#loop();
  }

  /** Stops after the batch in flight has committed. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#running;
    this.#running = undefined;
  }

  async #loop(): Promise<void> {
    while (!this.#stopping) {
      try {
        if ((await this.drain()) === 0) this.emit('idle');
      } catch (error) {
        if (this.listenerCount('error') > 0) this.emit('error', error);
      }
      if (this.#stopping) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.#pollMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }
}

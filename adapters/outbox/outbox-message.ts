/** An outbox row as handed to a dispatcher. `idempotencyKey` lets the receiver drop repeats. */
export interface OutboxMessage {
  /** The row's place in the outbox feed: unique, and the order rows were written in. */
  position: number;
  idempotencyKey: string;
  instanceId: string;
  region: string;
  topic: string;
  payload: Record<string, unknown>;
  /** Deliveries tried before this one. */
  attempts: number;
}

/**
 * Delivers messages somewhere. Throwing fails the whole batch, which is tried again later:
 * delivery is at least once, so a dispatcher must tolerate a repeat of the same key.
 */
export interface Dispatcher {
  readonly name: string;
  deliver(messages: readonly OutboxMessage[]): Promise<void>;
}

import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { BusMessage, RealtimeBus } from '../../../adapters/bus/realtime-bus.ts';
import { instanceHome } from '../../../adapters/queries/find-instance.ts';
import type { Database } from '../../../adapters/storage/database.ts';

/** A bus message with where its case lives, so each stream can decide whether to pass it on. */
export interface RoutedMessage extends BusMessage {
  department: string | undefined;
  /** Departments holding an open task on the case (owner and countersign assignees). */
  taskDepartments: string[];
}

export interface StreamClient {
  accepts(message: RoutedMessage): boolean;
  deliver(message: RoutedMessage): void;
  /** The hub is closing (server shutdown): end the stream. */
  end(): void;
}

/**
 * One bus subscription per process, fanned out to every open SSE stream. Each message's case
 * is looked up once (department, region, task holders), whatever the number of streams, and
 * messages are handed on in the order the bus delivered them.
 */
export class StreamHub {
  readonly #bus: RealtimeBus;
  readonly #db: Kysely<Database>;
  readonly #logger: Logger;
  readonly #clients = new Set<StreamClient>();
  #unsubscribe: Promise<() => Promise<void>> | undefined;
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: { bus: RealtimeBus; db: Kysely<Database>; logger: Logger }) {
    this.#bus = options.bus;
    this.#db = options.db;
    this.#logger = options.logger;
  }

  /** Number of open streams. */
  get size(): number {
    return this.#clients.size;
  }

  /** Adds a stream; resolves once the bus subscription is live. Returns its removal. */
  async add(client: StreamClient): Promise<() => void> {
    if (this.#closed) {
      client.end();
      return () => undefined;
    }
    this.#clients.add(client);
    this.#unsubscribe ??= this.#bus.subscribe((m) => {
      this.#queue = this.#queue.then(() => this.#route(m)).catch((error: unknown) => this.#logger.warn({ err: error }, 'stream routing failed'));
    });
    await this.#unsubscribe;
    return () => {
      this.#clients.delete(client);
    };
  }

  async #route(message: BusMessage): Promise<void> {
    if (this.#clients.size === 0) return;
    const home = await instanceHome(this.#db, message.instanceId);
    const routed: RoutedMessage = { ...message, department: home?.department, taskDepartments: home?.taskDepartments ?? [] };
    for (const client of this.#clients) {
      if (client.accepts(routed)) client.deliver(routed);
    }
  }

  /** Ends every stream and the bus subscription. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const client of this.#clients) client.end();
    this.#clients.clear();
    const unsubscribe = await this.#unsubscribe?.catch(() => undefined);
    await unsubscribe?.();
    await this.#queue;
  }
}

import pg from 'pg';
import { encodeBusMessage, type BusHandler, type BusMessage, type RealtimeBus } from './realtime-bus.ts';

/** The small part of a pool the bus needs to publish. */
export interface NotifyQueryable {
  query(text: string, values: unknown[]): Promise<unknown>;
}

/**
 * `LISTEN/NOTIFY` bus. Publishing goes through the shared pool; listening holds one dedicated
 * connection, opened on the first subscription and re-opened after a connection loss.
 * The channel is per schema, so test schemas on one server do not hear each other.
 */
export function createPostgresBus(config: pg.ClientConfig, schema: string, pool: NotifyQueryable): RealtimeBus {
  const channel = `govflow.${schema}`;
  const handlers = new Set<BusHandler>();
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  let closed = false;

  const dispatch = (msg: pg.Notification) => {
    if (msg.channel !== channel || msg.payload === undefined) return;
    for (const handler of [...handlers]) {
      try {
        handler(JSON.parse(msg.payload) as BusMessage);
      } catch (error) {
        process.emitWarning(`总线订阅者出错 bus subscriber failed: ${String(error)}`);
      }
    }
  };

  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client(config);
    c.on('notification', dispatch);
    c.on('error', () => {
      // The connection is gone; the next subscribe (or the reconnect below) opens another.
      if (client === c) client = undefined;
      c.end().catch(() => undefined);
      if (!closed && handlers.size > 0) setTimeout(() => void ensure().catch(() => undefined), 500);
    });
    await c.connect();
    await c.query(`listen "${channel.replaceAll('"', '""')}"`);
    client = c;
    return c;
  };

  const ensure = async (): Promise<pg.Client> => {
    if (client) return client;
    connecting ??= connect().finally(() => {
      connecting = undefined;
    });
    return connecting;
  };

  return {
    async publish(message: BusMessage) {
      await pool.query('select pg_notify($1, $2)', [channel, encodeBusMessage(message)]);
    },
    async subscribe(handler: BusHandler) {
      handlers.add(handler);
      await ensure();
      return async () => {
        handlers.delete(handler);
      };
    },
    async close() {
      closed = true;
      handlers.clear();
      const c = client ?? (connecting ? await connecting.catch(() => undefined) : undefined);
      client = undefined;
      await c?.end();
    },
  };
}

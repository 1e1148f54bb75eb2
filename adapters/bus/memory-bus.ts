import type { BusHandler, BusMessage, RealtimeBus } from './realtime-bus.ts';

/**
 * In-process bus for the embedded database: a single process owns a PGlite data directory,
 * so there is nobody else to tell. A throwing subscriber does not stop the others.
 */
export function createMemoryBus(): RealtimeBus {
  const handlers = new Set<BusHandler>();
  return {
    async publish(message: BusMessage) {
      // A copy per subscriber, like a NOTIFY payload, so one handler cannot alter another's view.
      const text = JSON.stringify(message);
      for (const handler of [...handlers]) {
        try {
          handler(JSON.parse(text) as BusMessage);
        } catch (error) {
          process.emitWarning(`总线订阅者出错 bus subscriber failed: ${String(error)}`);
        }
      }
    },
    async subscribe(handler: BusHandler) {
      handlers.add(handler);
      return async () => {
        handlers.delete(handler);
      };
    },
    async close() {
      handlers.clear();
    },
  };
}

import type { BusMessage, RealtimeBus } from '../../adapters/bus/realtime-bus.ts';

/** Messages heard on a bus, with a way to await a count of them (no polling, no sleeps). */
export interface BusCollector {
  messages: BusMessage[];
  /** Resolves once at least `n` messages have arrived. */
  until(n: number): Promise<BusMessage[]>;
  stop(): Promise<void>;
}

/** Subscribes to `bus` and records everything it hears. */
export async function collectBus(bus: RealtimeBus): Promise<BusCollector> {
  const messages: BusMessage[] = [];
  const waiters: Array<{ n: number; resolve: (m: BusMessage[]) => void }> = [];
  const stop = await bus.subscribe((m) => {
    messages.push(m);
    for (const w of [...waiters]) {
      if (messages.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(messages);
      }
    }
  });
  return {
    messages,
    until(n) {
      if (messages.length >= n) return Promise.resolve(messages);
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    stop,
  };
}

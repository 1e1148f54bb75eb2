import type { RealtimeBus } from '../bus/realtime-bus.ts';
import type { Dispatcher, OutboxMessage } from './outbox-message.ts';

/** Publishes each message on the realtime bus, which pushes it to live subscribers (SSE). */
export function createBusDispatcher(bus: RealtimeBus): Dispatcher {
  return {
    name: 'bus',
    async deliver(messages: readonly OutboxMessage[]) {
      for (const m of messages) {
        await bus.publish({ topic: m.topic, key: m.idempotencyKey, instanceId: m.instanceId, region: m.region, payload: m.payload });
      }
    },
  };
}

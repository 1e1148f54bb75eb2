import type { Logger } from 'pino';
import type { Dispatcher, OutboxMessage } from '../../../adapters/outbox/outbox-message.ts';

/**
 * Stands in for the SMS and mail gateways until one is wired: each `notify` message becomes a
 * structured log line (personal data masked by the logger). Other topics are left to the bus.
 */
export function createNotifyLogDispatcher(logger: Logger): Dispatcher {
  return {
    name: 'notify-log',
    async deliver(messages: readonly OutboxMessage[]) {
      for (const m of messages) {
        if (m.topic !== 'notify') continue;
        logger.info({ key: m.idempotencyKey, instanceId: m.instanceId, region: m.region, notify: m.payload }, 'notification');
      }
    },
  };
}

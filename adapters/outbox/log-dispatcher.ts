import type { Writable } from 'node:stream';
import { maskPersonalData } from './mask-personal-data.ts';
import type { Dispatcher, OutboxMessage } from './outbox-message.ts';

/**
 * Writes each message as one JSON line, ID-card and mobile numbers masked
 * (个人信息保护法: logs show personal data masked). Default stream: stdout.
 */
export function createLogDispatcher(stream: Writable = process.stdout): Dispatcher {
  return {
    name: 'log',
    async deliver(messages: readonly OutboxMessage[]) {
      const text = messages
        .map((m) =>
          maskPersonalData(
            JSON.stringify({ key: m.idempotencyKey, topic: m.topic, instanceId: m.instanceId, region: m.region, attempt: m.attempts + 1, payload: m.payload }),
          ),
        )
        .join('\n');
      await new Promise<void>((resolve, reject) => stream.write(`${text}\n`, (error) => (error ? reject(error) : resolve())));
    },
  };
}

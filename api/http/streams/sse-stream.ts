import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { maskStrings } from '../views/mask.ts';
import type { RoutedMessage, StreamHub } from './stream-hub.ts';

/** Seconds between keep-alive comments, so proxies do not close an idle stream. */
const HEARTBEAT_MS = 15_000;

export interface StreamOptions {
  hub: StreamHub;
  accepts(message: RoutedMessage): boolean;
  /** SSE event name and JSON data for a message. Default: the topic and the masked payload. */
  render?(message: RoutedMessage): { event: string; data: unknown };
  /** Sent first, once the subscription is live: a client may act as soon as it sees it. */
  ready: Record<string, unknown>;
  /** Messages the client missed (from `Last-Event-ID`), fetched once the subscription is live. */
  replay?: () => Promise<RoutedMessage[]>;
}

/**
 * A Server-Sent Events response fed by the hub. Messages are queued per stream and written in
 * order; the stream ends when the client goes away or the server shuts down.
 */
export function sseStream(c: Context, options: StreamOptions): Response {
  return streamSSE(c, async (stream) => {
    const pending: Array<{ event: string; data: string; id?: string }> = [];
    let ended = false;
    let wake: (() => void) | undefined;
    const nudge = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const render = options.render ?? ((m: RoutedMessage) => ({ event: m.topic, data: { instanceId: m.instanceId, region: m.region, ...m.payload } }));
    const remove = await options.hub.add({
      accepts: options.accepts,
      deliver(message) {
        const { event, data } = render(message);
        pending.push({ event, data: JSON.stringify(maskStrings(data)), id: message.key });
        nudge();
      },
      end() {
        ended = true;
        nudge();
      },
    });
    stream.onAbort(() => {
      ended = true;
      nudge();
    });
    const heartbeat = setInterval(() => {
      pending.push({ event: '', data: '' });
      nudge();
    }, HEARTBEAT_MS);
    try {
      await stream.writeSSE({ event: 'ready', data: JSON.stringify(options.ready), retry: 3000 });
      if (options.replay) {
        // Missed messages go first; live ones that arrived meanwhile follow, without repeats.
        const missed = (await options.replay()).map((m) => {
          const { event, data } = render(m);
          return { event, data: JSON.stringify(maskStrings(data)), id: m.key };
        });
        const replayed = new Set(missed.map((m) => m.id));
        const live = pending.splice(0).filter((m) => !replayed.has(m.id ?? ''));
        pending.push(...missed, ...live);
      }
      while (!ended) {
        if (pending.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        while (pending.length > 0 && !ended) {
          const next = pending.shift()!;
          if (next.event === '') await stream.write(': keep-alive\n\n');
          else await stream.writeSSE({ event: next.event, data: next.data, ...(next.id ? { id: next.id } : {}) });
        }
      }
    } finally {
      clearInterval(heartbeat);
      remove();
    }
  });
}

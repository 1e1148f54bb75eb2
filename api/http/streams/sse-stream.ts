import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { maskStrings } from '../views/mask.ts';
import type { FeedMessage } from './feed.ts';
import type { StreamHub } from './stream-hub.ts';

/** Seconds between keep-alive comments, so proxies do not close an idle stream. */
const HEARTBEAT_MS = 15_000;

/** What a replay found: the missed messages in order, or that the client must reload instead. */
export type Replay = { messages: FeedMessage[] } | { resync: string };

export interface StreamOptions {
  hub: StreamHub;
  accepts(message: FeedMessage): boolean;
  /** SSE event name and JSON data for a message. Default: the topic and the masked payload. */
  render?(message: FeedMessage): { event: string; data: unknown };
  /** Sent first, once the subscription is live: a client may act as soon as it sees it. */
  ready: Record<string, unknown>;
  /** Messages the client missed (after its `Last-Event-ID`) up to `start`, the feed position live messages follow. */
  replay?: (start: number) => Promise<Replay>;
}

const RESYNC_MESSAGE = '无法从 Last-Event-ID 续传，请重新加载列表 cannot resume from Last-Event-ID; reload what you show';

/**
 * A Server-Sent Events response fed by the hub. Messages are queued per stream and written in
 * feed order: a replay (up to the position live delivery starts after) first, then live ones,
 * so nothing is repeated or left out. The stream ends when the client goes away or the server shuts down.
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
    const render = options.render ?? ((m: FeedMessage) => ({ event: m.topic, data: { instanceId: m.instanceId, region: m.region, ...m.payload } }));
    const frame = (m: FeedMessage) => {
      const { event, data } = render(m);
      // The feed position: unique, durable, in delivery order; what a reconnecting client sends back as Last-Event-ID.
      return { event, data: JSON.stringify(maskStrings(data)), id: String(m.position) };
    };
    const { start, remove } = await options.hub.add({
      accepts: options.accepts,
      deliver(message) {
        pending.push(frame(message));
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
        const replay = await options.replay(start);
        if ('resync' in replay) pending.unshift({ event: 'resync', data: JSON.stringify({ reason: replay.resync, message: RESYNC_MESSAGE }) });
        else pending.unshift(...replay.messages.map(frame));
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

/** A message pushed to live subscribers (SSE clients, dashboards). Carries the outbox row's key. */
export interface BusMessage {
  topic: string;
  /** The outbox row's idempotency key: a subscriber that sees it twice drops the repeat. */
  key: string;
  instanceId: string;
  region: string;
  payload: Record<string, unknown>;
}

export type BusHandler = (message: BusMessage) => void;

/**
 * Fan-out of committed changes to whoever listens. On PostgreSQL it is `LISTEN/NOTIFY`,
 * so every engine node's subscribers see every node's messages; on PGlite it stays in-process.
 * Delivery is best effort and at most once per subscriber: durability lives in the outbox.
 */
export interface RealtimeBus {
  publish(message: BusMessage): Promise<void>;
  /** Resolves once the subscription is live; the returned function ends it. */
  subscribe(handler: BusHandler): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** NOTIFY payloads are limited to 8000 bytes; a larger message goes out without its payload. */
const NOTIFY_PAYLOAD_LIMIT = 7900;

/** Serialises a message for the wire, dropping the payload (and saying so) when it is too large. */
export function encodeBusMessage(message: BusMessage): string {
  const text = JSON.stringify(message);
  if (Buffer.byteLength(text) <= NOTIFY_PAYLOAD_LIMIT) return text;
  return JSON.stringify({ ...message, payload: { truncated: true } });
}

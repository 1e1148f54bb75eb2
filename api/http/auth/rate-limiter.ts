import type { Clock } from '../../../adapters/runtime/clock.ts';

/** A rate: `limit` requests per `periodMs`, with bursts of up to `limit`. */
export interface Rate {
  limit: number;
  periodMs: number;
}

export type Admission = { ok: true } | { ok: false; retryAfterMs: number; /** True for the first refusal since the key was last admitted. */ first: boolean };

interface Bucket {
  tokens: number;
  at: number;
  refused: boolean;
}

/**
 * Token buckets by key (a client address, a token id), in this process, timed by the injected
 * clock. A bucket holds up to `limit` requests and refills at `limit / periodMs`. When the table
 * grows past `maxKeys`, full buckets are forgotten, then the longest idle ones, down to nine tenths.
 */
export class RateLimiter {
  readonly #rate: Rate;
  readonly #clock: Clock;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(rate: Rate, clock: Clock, maxKeys = 100_000) {
    if (!(Number.isInteger(rate.limit) && rate.limit > 0 && rate.periodMs > 0)) throw new RangeError(`invalid rate ${rate.limit}/${rate.periodMs}ms`);
    this.#rate = rate;
    this.#clock = clock;
    this.#maxKeys = maxKeys;
  }

  /** Takes one request for `key`, or says how long until one is allowed. */
  take(key: string): Admission {
    const now = this.#clock.now();
    const perMs = this.#rate.limit / this.#rate.periodMs;
    const bucket = this.#buckets.get(key);
    const tokens = bucket ? Math.min(this.#rate.limit, bucket.tokens + Math.max(0, now - bucket.at) * perMs) : this.#rate.limit;
    if (tokens >= 1) {
      // Re-inserting keeps the map in order of last use, oldest first.
      this.#buckets.delete(key);
      this.#buckets.set(key, { tokens: tokens - 1, at: now, refused: false });
      if (!bucket && this.#buckets.size > this.#maxKeys) this.#evict(now);
      return { ok: true };
    }
    const first = !bucket!.refused;
    this.#buckets.set(key, { tokens, at: now, refused: true });
    return { ok: false, retryAfterMs: Math.ceil((1 - tokens) / perMs), first };
  }

  /** Number of keys tracked. */
  get size(): number {
    return this.#buckets.size;
  }

  #evict(now: number): void {
    const perMs = this.#rate.limit / this.#rate.periodMs;
    for (const [key, b] of this.#buckets) {
      if (b.tokens + Math.max(0, now - b.at) * perMs >= this.#rate.limit) this.#buckets.delete(key);
    }
    const keep = Math.floor(this.#maxKeys * 0.9);
    while (this.#buckets.size > keep) this.#buckets.delete(this.#buckets.keys().next().value!);
  }
}

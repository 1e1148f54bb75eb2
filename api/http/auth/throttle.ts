import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { CodeAttemptPolicy } from '../../../adapters/auth/code-attempts.ts';
import type { Clock } from '../../../adapters/runtime/clock.ts';
import { ApiError } from '../api-error.ts';
import type { AbuseLimits } from './abuse-limits.ts';
import { RateLimiter, type Admission } from './rate-limiter.ts';

/** The address a request came from: the socket's, or the one the trusted proxies say, if any. */
export function clientAddress(c: Context, trustedProxies: number): string | undefined {
  if (trustedProxies > 0) {
    const forwarded = (c.req.header('x-forwarded-for') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const entry = forwarded[forwarded.length - trustedProxies];
    if (entry !== undefined) return entry.slice(0, 64);
  }
  try {
    return getConnInfo(c).remote.address;
  } catch {
    // app.request() in tests has no socket.
    return undefined;
  }
}

/** Sets `Retry-After` and raises `RATE_LIMITED`; the first refusal of a run goes to the security audit. */
export function refuseTooMany(c: Context, retryAfterMs: number, why: { reason: string; resource?: string }, audit: boolean): never {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  c.header('Retry-After', String(seconds));
  throw new ApiError('RATE_LIMITED', `请求过于频繁，请 ${seconds} 秒后再试 too many requests; try again in ${seconds} s`, [{ message: `retry after ${seconds} s` }], audit ? { denial: why } : {});
}

/** The limits of one app: request rates by client address and by token, and the code-attempt policy. */
export class Throttle {
  readonly codeAttempts: CodeAttemptPolicy;
  readonly trustedProxies: number;
  readonly #public: RateLimiter | undefined;
  readonly #staff: RateLimiter | undefined;

  constructor(limits: AbuseLimits, clock: Clock) {
    this.codeAttempts = limits.codeAttempts;
    this.trustedProxies = limits.trustedProxies;
    this.#public = limits.publicRate ? new RateLimiter(limits.publicRate, clock) : undefined;
    this.#staff = limits.staffRate ? new RateLimiter(limits.staffRate, clock) : undefined;
  }

  /** Counts a request to a public endpoint against its client address. @throws ApiError `RATE_LIMITED`. */
  checkPublic(c: Context): void {
    const address = clientAddress(c, this.trustedProxies) ?? 'unknown';
    this.#enforce(c, this.#public?.take(address), { reason: `public request rate exceeded by ${address}` });
  }

  /** Counts a staff request against its token. @throws ApiError `RATE_LIMITED`. */
  checkStaff(c: Context, tokenId: string): void {
    this.#enforce(c, this.#staff?.take(tokenId), { reason: `request rate exceeded by token ${tokenId}`, resource: tokenId });
  }

  #enforce(c: Context, admission: Admission | undefined, why: { reason: string; resource?: string }): void {
    if (admission && !admission.ok) refuseTooMany(c, admission.retryAfterMs, why, admission.first);
  }
}

import { isIPv4, isIPv6 } from 'node:net';
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

/**
 * Who counts as one client when attempts are counted: an IPv4 address as it is, an IPv6 address by
 * its /64 network (one subscriber is usually given a whole /64, so single IPv6 addresses cost an
 * attacker nothing), an IPv4-mapped IPv6 address as the IPv4 address, no address as `unknown`. Pure.
 */
export function addressBlock(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIPv4(bare)) return bare;
  if (!isIPv6(bare)) return address;
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(bare);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  const [head = '', tail] = bare.split('::') as [string, string | undefined];
  const groups = (part: string | undefined): string[] =>
    (part ?? '').split(':').filter(Boolean).flatMap((g) => {
      if (!g.includes('.')) return [g];
      const [a = 0, b = 0, c = 0, d = 0] = g.split('.').map(Number);
      return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    });
  const front = groups(head);
  const back = groups(tail);
  const full = tail === undefined ? front : [...front, ...Array<string>(8 - front.length - back.length).fill('0'), ...back];
  return `${full.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
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

  /** Counts a request to a public endpoint against its client (see `addressBlock`). @throws ApiError `RATE_LIMITED`. */
  checkPublic(c: Context): void {
    const address = addressBlock(clientAddress(c, this.trustedProxies));
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

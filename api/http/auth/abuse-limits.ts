import { DEFAULT_CODE_ATTEMPT_POLICY, type CodeAttemptPolicy } from '../../../adapters/auth/code-attempts.ts';
import { parseWait } from '../../../adapters/alerts/escalation-policy.ts';
import type { Rate } from './rate-limiter.ts';

/** How much one client may ask of the service. */
export interface AbuseLimits {
  /** Requests per client address to the public and applicant/bidder endpoints; absent: unlimited. */
  publicRate?: Rate;
  /** Requests per staff token to every other endpoint; absent: unlimited. */
  staffRate?: Rate;
  /** Verification-code attempts per receipt number and client address, and per receipt number from all addresses. */
  codeAttempts: CodeAttemptPolicy;
  /** Reverse proxies in front of the service whose `X-Forwarded-For` entries are believed (0: the socket's address). */
  trustedProxies: number;
}

/**
 * 120 public requests a minute per address; staff unlimited; ten wrong codes from one address block
 * that address from the receipt number for 15 minutes, a hundred from all addresses guard it.
 */
export const DEFAULT_LIMITS: AbuseLimits = {
  publicRate: { limit: 120, periodMs: 60_000 },
  codeAttempts: DEFAULT_CODE_ATTEMPT_POLICY,
  trustedProxies: 0,
};

/** No request rate limits and practically unlimited code attempts, for tests that hammer an endpoint on purpose. */
export const NO_LIMITS: AbuseLimits = { codeAttempts: { maxFailures: 1_000_000_000, maxFailuresPerReceipt: 1_000_000_000, windowMs: 60_000 }, trustedProxies: 0 };

/**
 * Parses `120/min`, `10/s`, `1000/h` or `30/10s` (requests per period); `off` means unlimited. Pure.
 * @throws RangeError naming what is allowed.
 */
export function parseRate(text: string): Rate | undefined {
  const value = text.trim();
  if (value === 'off') return undefined;
  const m = /^(\d{1,9})\/(\d*)(ms|s|min|h|d)$/.exec(value);
  const limit = m ? Number(m[1]) : 0;
  if (!m || limit < 1) throw new RangeError(`无效的频率限制 invalid rate '${text}'; use requests per period, e.g. 120/min, 10/s, 30/10s, or off`);
  const periodMs = parseWait(`${m[2] || '1'}${m[3]}`);
  if (periodMs <= 0) throw new RangeError(`无效的频率限制 invalid rate '${text}': the period must be longer than zero`);
  return { limit, periodMs };
}

function wholeNumber(name: string, text: string): number {
  const n = Number(text);
  if (!(Number.isInteger(n) && n >= 0 && text.trim() !== '')) throw new RangeError(`${name} 须为非负整数 must be a non-negative integer, got '${text}'`);
  return n;
}

/**
 * The limits from `GOVFLOW_RATE_LIMIT_PUBLIC` (default `120/min`), `GOVFLOW_RATE_LIMIT_STAFF`
 * (default `off`), `GOVFLOW_CODE_MAX_FAILURES` (10), `GOVFLOW_CODE_MAX_FAILURES_PER_RECEIPT` (100),
 * `GOVFLOW_CODE_LOCK` (`15min`) and `GOVFLOW_TRUSTED_PROXIES` (0). Pure.
 * @throws RangeError on a malformed value (the server refuses to start rather than guess).
 */
export function abuseLimitsFromEnv(env: Record<string, string | undefined>): AbuseLimits {
  const given = (name: string) => (env[name] !== undefined && env[name]!.trim() !== '' ? env[name]! : undefined);
  const publicRate = given('GOVFLOW_RATE_LIMIT_PUBLIC');
  const staffRate = given('GOVFLOW_RATE_LIMIT_STAFF');
  const failures = given('GOVFLOW_CODE_MAX_FAILURES');
  const receiptFailures = given('GOVFLOW_CODE_MAX_FAILURES_PER_RECEIPT');
  const lock = given('GOVFLOW_CODE_LOCK');
  const proxies = given('GOVFLOW_TRUSTED_PROXIES');
  const limits: AbuseLimits = {
    codeAttempts: {
      maxFailures: failures !== undefined ? wholeNumber('GOVFLOW_CODE_MAX_FAILURES', failures) : DEFAULT_LIMITS.codeAttempts.maxFailures,
      maxFailuresPerReceipt:
        receiptFailures !== undefined ? wholeNumber('GOVFLOW_CODE_MAX_FAILURES_PER_RECEIPT', receiptFailures) : DEFAULT_LIMITS.codeAttempts.maxFailuresPerReceipt,
      windowMs: lock !== undefined ? parseWait(lock) : DEFAULT_LIMITS.codeAttempts.windowMs,
    },
    trustedProxies: proxies !== undefined ? wholeNumber('GOVFLOW_TRUSTED_PROXIES', proxies) : DEFAULT_LIMITS.trustedProxies,
  };
  const pub = publicRate !== undefined ? parseRate(publicRate) : DEFAULT_LIMITS.publicRate;
  const staff = staffRate !== undefined ? parseRate(staffRate) : DEFAULT_LIMITS.staffRate;
  if (!(limits.codeAttempts.windowMs >= 1000 && limits.codeAttempts.windowMs <= 30 * 86_400_000)) {
    throw new RangeError('GOVFLOW_CODE_LOCK 须在 1 秒到 30 天之间 must be between 1s and 30d');
  }
  if (limits.codeAttempts.maxFailures < 1 || limits.codeAttempts.maxFailures > 1_000_000_000) {
    throw new RangeError('GOVFLOW_CODE_MAX_FAILURES 须在 1 到 10 亿之间 must be between 1 and 1 000 000 000');
  }
  if (limits.codeAttempts.maxFailuresPerReceipt < 1 || limits.codeAttempts.maxFailuresPerReceipt > 1_000_000_000) {
    throw new RangeError('GOVFLOW_CODE_MAX_FAILURES_PER_RECEIPT 须在 1 到 10 亿之间 must be between 1 and 1 000 000 000');
  }
  return { ...limits, ...(pub ? { publicRate: pub } : {}), ...(staff ? { staffRate: staff } : {}) };
}

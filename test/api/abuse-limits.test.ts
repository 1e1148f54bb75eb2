import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withApiTables } from '../../adapters/auth/api-tables.ts';
import { issueReceiptCode } from '../../adapters/auth/receipt-codes.ts';
import { TestClock } from '../../adapters/runtime/clock.ts';
import { DEFAULT_LIMITS, abuseLimitsFromEnv, parseRate } from '../../api/http/auth/abuse-limits.ts';
import { RateLimiter } from '../../api/http/auth/rate-limiter.ts';
import { BACKENDS } from '../support/test-database.ts';
import { openHarness, type Harness } from './support/api-harness.ts';

/**
 * Abuse protection: request rates per client address on the public endpoints and per token for
 * staff, and verification-code attempts per receipt number, all timed by the injected clock.
 */

describe('request rate limiter', () => {
  it('lets a burst through, then one request per refill interval, and says how long to wait', () => {
    const clock = new TestClock(0);
    const limiter = new RateLimiter({ limit: 3, periodMs: 60_000 }, clock);
    expect([1, 2, 3].map(() => limiter.take('a').ok)).toEqual([true, true, true]);
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterMs: 20_000, first: true });
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterMs: 20_000, first: false });
    expect(limiter.take('b').ok).toBe(true);
    clock.advance(15_000);
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterMs: 5_000, first: false });
    clock.advance(5_000);
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterMs: 20_000, first: true });
    clock.advance(10 * 60_000);
    expect([1, 2, 3, 4].map(() => limiter.take('a').ok)).toEqual([true, true, true, false]);
  });

  it('keeps its table bounded, forgetting idle clients first', () => {
    const clock = new TestClock(0);
    const limiter = new RateLimiter({ limit: 2, periodMs: 1000 }, clock, 10);
    limiter.take('busy');
    limiter.take('busy');
    for (let i = 0; i < 30; i++) limiter.take(`idle-${i}`);
    expect(limiter.size).toBeLessThanOrEqual(10);
    clock.advance(5000);
    for (let i = 0; i < 9; i++) limiter.take(`new-${i}`);
    expect(limiter.size).toBeLessThanOrEqual(10);
  });
});

describe('limits from the environment', () => {
  it('defaults to 120 public requests a minute, no staff limit and ten codes per 15 minutes', () => {
    expect(abuseLimitsFromEnv({})).toEqual(DEFAULT_LIMITS);
    expect(DEFAULT_LIMITS).toEqual({ publicRate: { limit: 120, periodMs: 60_000 }, codeAttempts: { maxFailures: 10, windowMs: 900_000 }, trustedProxies: 0 });
  });

  it('reads rates, code attempts and trusted proxies, and refuses malformed values', () => {
    expect(
      abuseLimitsFromEnv({
        GOVFLOW_RATE_LIMIT_PUBLIC: 'off',
        GOVFLOW_RATE_LIMIT_STAFF: '30/10s',
        GOVFLOW_CODE_MAX_FAILURES: '5',
        GOVFLOW_CODE_LOCK: '1h',
        GOVFLOW_TRUSTED_PROXIES: '1',
      }),
    ).toEqual({ staffRate: { limit: 30, periodMs: 10_000 }, codeAttempts: { maxFailures: 5, windowMs: 3_600_000 }, trustedProxies: 1 });
    expect(parseRate('10/s')).toEqual({ limit: 10, periodMs: 1000 });
    expect(parseRate('1000/h')).toEqual({ limit: 1000, periodMs: 3_600_000 });
    for (const bad of ['fast', '0/min', '10/0s', '-1/min', '10 per minute']) expect(() => parseRate(bad), bad).toThrow(RangeError);
    expect(() => abuseLimitsFromEnv({ GOVFLOW_CODE_MAX_FAILURES: '0' })).toThrow(RangeError);
    expect(() => abuseLimitsFromEnv({ GOVFLOW_TRUSTED_PROXIES: 'yes' })).toThrow(RangeError);
    expect(() => abuseLimitsFromEnv({ GOVFLOW_CODE_LOCK: 'soon' })).toThrow(RangeError);
    expect(() => abuseLimitsFromEnv({ GOVFLOW_CODE_LOCK: '999999d' })).toThrow(RangeError);
  });
});

describe('public and staff request rates over HTTP', () => {
  let h: Harness;
  let failed = false;
  beforeAll(async () => {
    h = await openHarness('abuse limits rates', 'pglite', {
      limits: { publicRate: { limit: 3, periodMs: 60_000 }, staffRate: { limit: 5, periodMs: 1000 }, codeAttempts: DEFAULT_LIMITS.codeAttempts, trustedProxies: 1 },
    });
  });
  beforeEach(({ onTestFailed }) => onTestFailed(() => void (failed = true)));
  afterAll(async () => h?.close(failed));

  const rateRows = async () =>
    withApiTables(h.store.db).selectFrom('security_audit').select(['status', 'code', 'reason', 'ip']).where('code', '=', 'RATE_LIMITED').orderBy('id').execute();

  it('throttles the public endpoints per client address, with Retry-After, and audits the first refusal of a run', async () => {
    const from = (ip: string) => ({ headers: { 'X-Forwarded-For': ip } });
    for (let i = 0; i < 3; i++) expect((await h.call('GET', '/api/v1/public/items', from('203.0.113.7'))).status).toBe(200);
    // The proxy appends the address it saw; what the client put before it is not believed.
    const refused = await h.call('GET', '/api/v1/public/items/api-permit', from('198.51.100.1, 203.0.113.7'));
    expect([refused.status, refused.body.code, refused.headers.get('retry-after')]).toEqual([429, 'RATE_LIMITED', '20']);
    expect((await h.call('POST', '/api/v1/applications', { ...from('203.0.113.7'), json: { item: 'api-permit', data: {} } })).status).toBe(429);
    expect((await h.call('GET', '/api/v1/public/items', from('203.0.113.8'))).status).toBe(200);
    expect(await rateRows()).toEqual([{ status: 429, code: 'RATE_LIMITED', reason: 'public request rate exceeded by 203.0.113.7', ip: '203.0.113.7' }]);
    h.clock.advance(20_000);
    expect((await h.call('GET', '/api/v1/public/items', from('203.0.113.7'))).status).toBe(200);
    expect((await h.call('GET', '/api/v1/public/items', from('203.0.113.7'))).status).toBe(429);
    expect(await rateRows()).toHaveLength(2);
    // Staff endpoints are not counted against the address.
    expect((await h.call('GET', '/api/v1/tasks', { ...from('203.0.113.7'), token: h.token('window') })).status).toBe(200);
  });

  it('throttles each staff token on its own', async () => {
    h.clock.advance(1000);
    for (let i = 0; i < 5; i++) expect((await h.call('GET', '/api/v1/me', { token: h.token('officer') })).status).toBe(200);
    const refused = await h.call('GET', '/api/v1/me', { token: h.token('officer') });
    expect([refused.status, refused.headers.get('retry-after')]).toEqual([429, '1']);
    expect((await h.call('GET', '/api/v1/me', { token: h.token('head') })).status).toBe(200);
    h.clock.advance(200);
    expect((await h.call('GET', '/api/v1/me', { token: h.token('officer') })).status).toBe(200);
  });
});

for (const kind of BACKENDS) {
  describe(`verification-code attempts per receipt number [${kind}]`, () => {
    let h: Harness;
    let failed = false;
    beforeAll(async () => {
      h = await openHarness(`abuse limits codes ${kind}`, kind, { limits: { codeAttempts: { maxFailures: 3, windowMs: 10 * 60_000 }, trustedProxies: 0 } });
    });
    beforeEach(({ onTestFailed }) => onTestFailed(() => void (failed = true)));
    afterAll(async () => h?.close(failed));

    const lookup = (receiptNo: string, code: string) => h.call('GET', `/api/v1/applications/${receiptNo}`, { headers: { 'X-Verification-Code': code } });

    it('lets no more than the allowed guesses through, even sent all at once', async () => {
      const filed = await h.call('POST', '/api/v1/applications', { json: { item: 'api-permit', data: { applicant: { name: '并发' } } } });
      const statuses = await Promise.all(Array.from({ length: 10 }, () => lookup(filed.body.receiptNo, 'WRNGCDE2').then((r) => r.status)));
      expect(statuses.filter((s) => s === 404)).toHaveLength(3);
      expect(statuses.filter((s) => s === 429)).toHaveLength(7);
      const right = await lookup(filed.body.receiptNo, filed.body.verificationCode);
      expect([right.status, right.headers.get('retry-after')]).toEqual([429, '600']);
      // The action route is guarded the same way.
      const act = await h.call('POST', `/api/v1/applications/${filed.body.receiptNo}/events/supplement`, {
        headers: { 'X-Verification-Code': filed.body.verificationCode },
        json: { payload: { text: '补正' } },
      });
      expect(act.status).toBe(429);
      h.clock.advance(10 * 60_000);
      expect((await lookup(filed.body.receiptNo, filed.body.verificationCode)).status).toBe(200);
    });

    it('forgets failures once the window has passed', async () => {
      const filed = await h.call('POST', '/api/v1/applications', { json: { item: 'api-permit', data: { applicant: { name: '窗口' } } } });
      for (let i = 0; i < 2; i++) expect((await lookup(filed.body.receiptNo, 'WRNGCDE2')).status).toBe(404);
      h.clock.advance(10 * 60_000);
      for (let i = 0; i < 2; i++) expect((await lookup(filed.body.receiptNo, 'WRNGCDE2')).status).toBe(404);
      expect((await lookup(filed.body.receiptNo, filed.body.verificationCode)).status).toBe(200);
    });

    it('frees a receipt number blocked before it was issued once its code is issued', async () => {
      const receiptNo = 'GF2026030377777777';
      for (let i = 0; i < 3; i++) expect((await lookup(receiptNo, 'WRNGCDE2')).status).toBe(404);
      expect((await lookup(receiptNo, 'WRNGCDE2')).status).toBe(429);
      await issueReceiptCode(h.store.db, { receiptNo, instanceId: randomUUID(), party: 'applicant', region: '520000' }, h.clock.now());
      const attempts = await sql<{ n: number }>`select count(*)::int as n from code_attempts where receipt_no = ${receiptNo}`.execute(h.store.db);
      expect(attempts.rows[0]?.n).toBe(0);
      expect((await lookup(receiptNo, 'WRNGCDE2')).status).toBe(404);
    });
  });
}

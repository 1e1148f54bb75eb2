import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withApiTables } from '../../adapters/auth/api-tables.ts';
import { issueReceiptCode } from '../../adapters/auth/receipt-codes.ts';
import { TestClock } from '../../adapters/runtime/clock.ts';
import { DEFAULT_LIMITS, abuseLimitsFromEnv, parseRate } from '../../api/http/auth/abuse-limits.ts';
import { RateLimiter } from '../../api/http/auth/rate-limiter.ts';
import { addressBlock } from '../../api/http/auth/throttle.ts';
import { BACKENDS } from '../support/test-database.ts';
import { openHarness, type Harness } from './support/api-harness.ts';

/**
 * Abuse protection: request rates per client address on the public endpoints and per token for
 * staff, and verification-code attempts per receipt number and client address and per receipt
 * number from all addresses, all timed by the injected clock.
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
  it('defaults to 120 public requests a minute, no staff limit, ten codes per address and a hundred per receipt number per 15 minutes', () => {
    expect(abuseLimitsFromEnv({})).toEqual(DEFAULT_LIMITS);
    expect(DEFAULT_LIMITS).toEqual({
      publicRate: { limit: 120, periodMs: 60_000 },
      codeAttempts: { maxFailures: 10, maxFailuresPerReceipt: 100, windowMs: 900_000 },
      trustedProxies: 0,
    });
  });

  it('reads rates, code attempts and trusted proxies, and refuses malformed values', () => {
    expect(
      abuseLimitsFromEnv({
        GOVFLOW_RATE_LIMIT_PUBLIC: 'off',
        GOVFLOW_RATE_LIMIT_STAFF: '30/10s',
        GOVFLOW_CODE_MAX_FAILURES: '5',
        GOVFLOW_CODE_MAX_FAILURES_PER_RECEIPT: '50',
        GOVFLOW_CODE_LOCK: '1h',
        GOVFLOW_TRUSTED_PROXIES: '1',
      }),
    ).toEqual({ staffRate: { limit: 30, periodMs: 10_000 }, codeAttempts: { maxFailures: 5, maxFailuresPerReceipt: 50, windowMs: 3_600_000 }, trustedProxies: 1 });
    expect(parseRate('10/s')).toEqual({ limit: 10, periodMs: 1000 });
    expect(parseRate('1000/h')).toEqual({ limit: 1000, periodMs: 3_600_000 });
    for (const bad of ['fast', '0/min', '10/0s', '-1/min', '10 per minute']) expect(() => parseRate(bad), bad).toThrow(RangeError);
    expect(() => abuseLimitsFromEnv({ GOVFLOW_CODE_MAX_FAILURES: '0' })).toThrow(RangeError);
    expect(() => abuseLimitsFromEnv({ GOVFLOW_CODE_MAX_FAILURES_PER_RECEIPT: '0' })).toThrow(RangeError);
    expect(() => abuseLimitsFromEnv({ GOVFLOW_CODE_MAX_FAILURES_PER_RECEIPT: 'many' })).toThrow(RangeError);
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

  it('counts IPv6 clients by their /64 network, so rotating addresses within it does not reset the count', async () => {
    const from = (ip: string) => ({ headers: { 'X-Forwarded-For': ip } });
    for (let i = 1; i <= 3; i++) expect((await h.call('GET', '/api/v1/public/items', from(`2001:db8:1:2::${i}`))).status).toBe(200);
    expect((await h.call('GET', '/api/v1/public/items', from('2001:db8:1:2:ffff::9'))).status).toBe(429);
    expect((await h.call('GET', '/api/v1/public/items', from('2001:db8:1:3::1'))).status).toBe(200);
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
      h = await openHarness(`abuse limits codes ${kind}`, kind, { limits: { codeAttempts: { maxFailures: 3, maxFailuresPerReceipt: 1000, windowMs: 10 * 60_000 }, trustedProxies: 0 } });
    });
    beforeEach(({ onTestFailed }) => onTestFailed(() => void (failed = true)));
    afterAll(async () => h?.close(failed));

    const lookup = (receiptNo: string, code: string) => h.call('GET', `/api/v1/applications/${receiptNo}`, { headers: { 'X-Verification-Code': code } });

    it('lets no more than the allowed guesses from one client through, even sent all at once', async () => {
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
      const attempts = await sql<{ n: number }>`
        select (select count(*) from code_attempts where receipt_no = ${receiptNo})::int + (select count(*) from code_attempt_clients where receipt_no = ${receiptNo})::int as n`.execute(h.store.db);
      expect(attempts.rows[0]?.n).toBe(0);
      expect((await lookup(receiptNo, 'WRNGCDE2')).status).toBe(404);
    });
  });
}

describe('client address blocks for counting code attempts', () => {
  it('counts an IPv4 address on its own and an IPv6 address by its /64', () => {
    expect(addressBlock('203.0.113.7')).toBe('203.0.113.7');
    expect(addressBlock('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(addressBlock('2001:DB8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(addressBlock('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressBlock('2001:db8:1:3::1')).not.toBe(addressBlock('2001:db8:1:2::1'));
    expect(addressBlock('::ffff:198.51.100.4')).toBe('198.51.100.4');
    expect(addressBlock('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressBlock(undefined)).toBe('unknown');
  });
});

for (const kind of BACKENDS) {
  describe(`verification-code attempts per client address and per receipt number [${kind}]`, () => {
    let h: Harness;
    let failed = false;
    beforeAll(async () => {
      h = await openHarness(`abuse limits code clients ${kind}`, kind, {
        limits: { codeAttempts: { maxFailures: 3, maxFailuresPerReceipt: 8, windowMs: 10 * 60_000 }, trustedProxies: 1 },
      });
    });
    beforeEach(({ onTestFailed }) => onTestFailed(() => void (failed = true)));
    afterAll(async () => h?.close(failed));

    const file = async () => {
      const filed = await h.call('POST', '/api/v1/applications', { json: { item: 'api-permit', data: { applicant: { name: '申请人' } } }, headers: { 'X-Forwarded-For': '192.0.2.1' } });
      expect(filed.status).toBe(201);
      return { receiptNo: filed.body.receiptNo as string, code: filed.body.verificationCode as string };
    };
    const lookup = (receiptNo: string, code: string, from: string) =>
      h.call('GET', `/api/v1/applications/${receiptNo}`, { headers: { 'X-Verification-Code': code, 'X-Forwarded-For': from } });
    const statuses = async (receiptNo: string, code: string, from: string, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await lookup(receiptNo, code, from)).status);
      return out;
    };
    const refusals = (receiptNo: string) =>
      withApiTables(h.store.db).selectFrom('security_audit').select(['ip', 'reason']).where('code', '=', 'RATE_LIMITED').where('resource', '=', receiptNo).orderBy('id').execute();

    it("blocks the address giving wrong codes and still lets the applicant's right code through from another address", async () => {
      const { receiptNo, code } = await file();
      const attacker = '198.51.100.66';
      expect(await statuses(receiptNo, 'WRNGCDE2', attacker, 3)).toEqual([404, 404, 404]);
      const blocked = await lookup(receiptNo, 'WRNGCDE3', attacker);
      expect([blocked.status, blocked.body.code, blocked.headers.get('retry-after')]).toEqual([429, 'RATE_LIMITED', '600']);
      // The block is the address's: even the right code from there is refused until it ends.
      expect((await lookup(receiptNo, code, attacker)).status).toBe(429);
      const applicant = await lookup(receiptNo, code, '203.0.113.20');
      expect([applicant.status, applicant.body.receiptNo]).toEqual([200, receiptNo]);
      // The applicant's own typing errors count against the applicant's address alone.
      expect(await statuses(receiptNo, 'WRNGCDE2', '203.0.113.20', 2)).toEqual([404, 404]);
      expect((await lookup(receiptNo, code, '203.0.113.20')).status).toBe(200);
      const rows = await refusals(receiptNo);
      expect(rows.map((r) => r.ip)).toEqual([attacker, attacker]);
      expect(rows[0]?.reason).toContain('this address is blocked for the receipt number');
      h.clock.advance(10 * 60_000);
      expect((await lookup(receiptNo, code, attacker)).status).toBe(200);
    });

    it('checks no more than the allowed wrong codes from one address, even sent all at once, and leaves other addresses their own', async () => {
      const { receiptNo, code } = await file();
      const burst = await Promise.all(Array.from({ length: 10 }, () => lookup(receiptNo, 'WRNGCDE2', '198.51.100.77').then((r) => r.status)));
      expect(burst.filter((s) => s === 404)).toHaveLength(3);
      expect(burst.filter((s) => s === 429)).toHaveLength(7);
      expect(await statuses(receiptNo, 'WRNGCDE2', '198.51.100.78', 4)).toEqual([404, 404, 404, 429]);
      expect((await lookup(receiptNo, code, '203.0.113.21')).status).toBe(200);
      h.clock.advance(10 * 60_000);
    });

    it('guards a receipt number against guessing from many addresses: one attempt per address, and the right code still goes through', async () => {
      const { receiptNo, code } = await file();
      // Four addresses, two wrong codes each: the eighth wrong code reaches the ceiling.
      for (const n of [1, 2, 3, 4]) expect(await statuses(receiptNo, 'WRNGCDE2', `198.51.100.${n}`, 2), `address ${n}`).toEqual([404, 404]);
      // Each address now has one attempt a window: those that already failed have none left.
      expect((await lookup(receiptNo, 'WRNGCDE2', '198.51.100.1')).status).toBe(429);
      expect(await statuses(receiptNo, 'WRNGCDE2', '198.51.100.5', 2)).toEqual([404, 429]);
      // An IPv6 client is one /64, however many addresses in it take a turn.
      expect((await lookup(receiptNo, 'WRNGCDE2', '2001:db8:7:7::1')).status).toBe(404);
      expect((await lookup(receiptNo, 'WRNGCDE2', '2001:db8:7:7::2')).status).toBe(429);
      // A burst from a fresh address gets a single guess checked.
      const burst = await Promise.all(Array.from({ length: 6 }, () => lookup(receiptNo, 'WRNGCDE2', '198.51.100.6').then((r) => r.status)));
      expect(burst.sort()).toEqual([404, 429, 429, 429, 429, 429]);
      // The applicant, from an address of its own, still gets in, as often as it likes.
      expect((await lookup(receiptNo, code, '203.0.113.30')).status).toBe(200);
      expect((await lookup(receiptNo, code, '203.0.113.30')).status).toBe(200);
      expect((await refusals(receiptNo)).at(-1)?.reason).toContain('guarded against guessing from many addresses');
      // The guard lasts a window after the last wrong code; then each address has its full allowance again.
      h.clock.advance(10 * 60_000);
      expect(await statuses(receiptNo, 'WRNGCDE2', '198.51.100.7', 4)).toEqual([404, 404, 404, 429]);
      expect((await lookup(receiptNo, code, '198.51.100.1')).status).toBe(200);
    });
  });
}

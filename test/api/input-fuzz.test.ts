import { sql } from 'kysely';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NO_LIMITS } from '../../api/http/auth/abuse-limits.ts';
import { actor, caseAt, openHarness, type Harness } from './support/api-harness.ts';

/**
 * Malformed input never reaches the database and never answers 5xx: generated bodies with wrong
 * types, unknown fields, huge strings, `__proto__` keys, deep nesting, truncated JSON, invalid
 * UTF-8, NUL characters and unpaired surrogates, and YAML documents with alias bombs, deep
 * nesting, syntax errors and invalid definitions. Every generated input is invalid by
 * construction, so each must be refused with a 4xx and a code, and every table but the
 * security audit (which records refusals by design) must be byte-for-byte unchanged.
 */

let h: Harness;
let failed = false;
let caseId: string;
let decisionCase: string;
let alertId: string;
const answers: Array<{ status: number; code: unknown; what: string }> = [];

const TABLES = ['definitions', 'instances', 'audit_events', 'audit_anchors', 'timers', 'tasks', 'alerts', 'outbox', 'idempotency_keys', 'api_tokens', 'receipt_codes', 'code_attempts', 'code_attempt_clients', 'alert_acknowledgements'];

async function fingerprint(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of TABLES) {
    const { rows } = await sql<{ n: number; digest: string }>`
      select count(*)::int as n, md5(coalesce(string_agg(cast(t as text), '|' order by cast(t as text)), '')) as digest
      from ${sql.table(table)} as t`.execute(h.store.db);
    out[table] = `${rows[0]?.n}:${rows[0]?.digest}`;
  }
  return out;
}

let before: Record<string, string>;

beforeAll(async () => {
  // Hundreds of public requests at one instant of the test clock: no request rate limit here.
  h = await openHarness('api input fuzz', 'pglite', { limits: NO_LIMITS });
  caseId = await caseAt(h, 'received');
  decisionCase = await caseAt(h, 'decision');
  await h.runtime.send(caseId, 'flag', { actor: actor('window') });
  alertId = (await h.store.db.selectFrom('alerts').select('id').where('instance_id', '=', caseId).executeTakeFirstOrThrow()).id;
  before = await fingerprint();
});
beforeEach(({ onTestFailed }) => onTestFailed(() => void (failed = true)));
afterAll(async () => h?.close(failed));

type FieldType = 'string' | 'object' | 'integer' | 'enum';

interface JsonTarget {
  name: string;
  method: string;
  url: () => string;
  token: () => string | undefined;
  valid: () => Record<string, unknown>;
  fields: Record<string, FieldType>;
  /** A path to a string inside the valid body, for text-level mutations; its schema limits its length. */
  text: string[];
  /** Whether the endpoint takes an `Idempotency-Key` header. */
  idempotent: boolean;
}

const targets: JsonTarget[] = [
  {
    name: 'start',
    method: 'POST',
    url: () => '/api/v1/instances',
    token: () => h.token('window'),
    valid: () => ({ definition: 'api-permit', data: { applicant: { name: '张三' } } }),
    fields: { definition: 'string', data: 'object', version: 'integer', businessKey: 'string' },
    text: ['data', 'applicant', 'name'],
    idempotent: true,
  },
  {
    name: 'event',
    method: 'POST',
    url: () => `/api/v1/instances/${caseId}/events/note`,
    token: () => h.token('window'),
    valid: () => ({ payload: { text: '备注' } }),
    fields: { payload: 'object', expectedVersion: 'integer' },
    text: ['payload', 'text'],
    idempotent: true,
  },
  {
    name: 'transfer',
    method: 'POST',
    url: () => `/api/v1/instances/${caseId}/tasks/received/transfer`,
    token: () => h.token('head'),
    valid: () => ({ toUser: 'window-9', reason: '调整' }),
    fields: { toUser: 'string', toDepartment: 'string', reason: 'string', expectedVersion: 'integer' },
    text: ['reason'],
    idempotent: true,
  },
  {
    name: 'return',
    method: 'POST',
    url: () => `/api/v1/instances/${decisionCase}/return`,
    token: () => h.token('head'),
    valid: () => ({ to: 'review', reason: '退回' }),
    fields: { to: 'string', reason: 'string', expectedVersion: 'integer' },
    text: ['reason'],
    idempotent: true,
  },
  {
    name: 'apply',
    method: 'POST',
    url: () => '/api/v1/applications',
    token: () => undefined,
    valid: () => ({ item: 'api-permit', data: { applicant: { name: '李四' } } }),
    fields: { item: 'string', data: 'object', region: 'string' },
    text: ['data', 'applicant', 'name'],
    idempotent: true,
  },
  {
    name: 'acknowledge',
    method: 'POST',
    url: () => `/api/v1/alerts/${alertId}/acknowledge`,
    token: () => h.token('head'),
    valid: () => ({ comment: '已处理' }),
    fields: { comment: 'string' },
    text: ['comment'],
    idempotent: false,
  },
  {
    name: 'token',
    method: 'POST',
    url: () => '/api/v1/tokens',
    token: () => h.token('admin'),
    valid: () => ({ role: 'window', department: 'market-regulation', name: 'fuzz' }),
    fields: { role: 'enum', department: 'string', region: 'string', name: 'string', expiresInDays: 'integer' },
    text: ['name'],
    idempotent: false,
  },
];

/** Any JSON value whose type differs from `type`. */
const wrongValue = (type: FieldType): fc.Arbitrary<unknown> => {
  const all: Record<string, fc.Arbitrary<unknown>> = {
    string: fc.string({ maxLength: 20 }),
    number: fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
    integer: fc.integer(),
    boolean: fc.boolean(),
    null: fc.constant(null),
    array: fc.array(fc.jsonValue(), { maxLength: 3 }),
    object: fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue(), { maxKeys: 3 }),
  };
  const excluded = type === 'enum' ? ['string'] : type === 'integer' ? ['integer'] : [type];
  return fc.oneof(...Object.entries(all).filter(([k]) => !excluded.includes(k)).map(([, v]) => v));
};

function setAt(value: Record<string, unknown>, path: string[], to: unknown): Record<string, unknown> {
  const copy = structuredClone(value);
  let node: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path.at(-1)!] = to;
  return copy;
}

const enc = new TextEncoder();
const INVALID_UTF8: number[][] = [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80]];

interface Malformed {
  kind: string;
  body: string | Uint8Array;
  type: string;
  headers?: Record<string, string>;
}

/** Every way a JSON body is made invalid; each is invalid whatever values fast-check draws. */
function malformed(target: JsonTarget): fc.Arbitrary<Malformed> {
  const json = (v: unknown) => JSON.stringify(v);
  const base = target.valid();
  const fieldNames = Object.keys(target.fields);
  return fc.oneof(
    fc.record({ field: fc.constantFrom(...fieldNames) }).chain(({ field }) =>
      wrongValue(target.fields[field]!).map((v) => ({ kind: `wrong type ${field}`, body: json({ ...base, [field]: v }), type: 'application/json' })),
    ),
    fc
      .tuple(fc.string({ minLength: 1, maxLength: 30 }).filter((k) => !(k in target.fields) && k !== '__proto__'), fc.jsonValue())
      .map(([k, v]) => ({ kind: 'unknown field', body: json({ ...base, [k]: v }), type: 'application/json' })),
    fc.constantFrom('state', 'version', 'department', 'createdAt', 'hash', 'status', 'receiptNo', 'region').filter((k) => !(k in target.fields)).map((k) => ({ kind: `server-owned ${k}`, body: json({ ...base, [k]: 'x' }), type: 'application/json' })),
    fc.jsonValue().map((v) => {
      const text = json(base);
      return { kind: '__proto__ key', body: `{"__proto__":${json(v)},${text.slice(1)}`, type: 'application/json' };
    }),
    fc.jsonValue().map((v) => {
      const nested = setAt(base, target.text, 'x');
      const text = json(nested).replace('"x"', `{"__proto__":${json(v)}}`);
      return { kind: 'nested __proto__', body: text, type: 'application/json' };
    }),
    fc.integer({ min: 256 * 1024 + 1, max: 300 * 1024 }).map((n) => ({ kind: 'huge body', body: json(setAt(base, target.text, 'x'.repeat(n))), type: 'application/json' })),
    fc.integer({ min: 2001, max: 20_000 }).map((n) => ({ kind: 'long string', body: json(setAt(base, target.text, '长'.repeat(n))), type: 'application/json' })),
    fc.tuple(fc.constantFrom(...INVALID_UTF8), fc.nat()).map(([bytes, at]) => {
      const text = enc.encode(json(setAt(base, target.text, 'abcdef')));
      const marker = enc.encode('abcdef');
      let pos = 0;
      for (let i = 0; i < text.length; i++) if (text.subarray(i, i + marker.length).every((b, j) => b === marker[j])) pos = i;
      const insert = pos + (at % marker.length);
      return { kind: 'invalid utf-8', body: new Uint8Array([...text.subarray(0, insert), ...bytes, ...text.subarray(insert)]), type: 'application/json' };
    }),
    fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udc00', '\udbff!').map((s) => ({ kind: 'unstorable text', body: json(setAt(base, target.text, s)), type: 'application/json' })),
    fc.nat().map((n) => {
      const text = json(base);
      return { kind: 'truncated', body: text.slice(0, 1 + (n % (text.length - 1))), type: 'application/json' };
    }),
    fc.integer({ min: 33, max: 400 }).map((depth) => ({ kind: 'deep', body: json({ ...base, [target.text[0]!]: JSON.parse('['.repeat(depth) + ']'.repeat(depth)) }), type: 'application/json' })),
    fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'multipart/form-data').map((type) => ({ kind: `content-type ${type}`, body: json(base), type })),
    fc.oneof(fc.array(fc.jsonValue(), { maxLength: 3 }), fc.string(), fc.integer(), fc.constant(null)).map((v) => ({ kind: 'not an object', body: json(v), type: 'application/json' })),
    ...(target.idempotent
      ? [
          fc
            .string({ minLength: 1, maxLength: 10 })
            .filter((k) => /[^\x21-\x7e]/.test(k) || k.length < 8)
            .map((key) => ({ kind: 'bad idempotency key', body: json(base), type: 'application/json', headers: { 'Idempotency-Key': key } })),
        ]
      : []),
  );
}

async function send(method: string, url: string, token: string | undefined, m: Malformed): Promise<{ status: number; body: { code?: unknown; message?: unknown; details?: unknown } | undefined }> {
  const headers: Record<string, string> = { 'content-type': m.type, ...(m.headers ?? {}) };
  if (token) headers['authorization'] = `Bearer ${token}`;
  let response: Response;
  try {
    response = await h.api.app.request(url, { method, headers, body: m.body });
  } catch (error) {
    // A header value the Fetch API itself refuses never reaches a server.
    if (error instanceof TypeError) return { status: 400, body: { code: 'CLIENT_REFUSED', message: '', details: [] } };
    throw error;
  }
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as { code?: unknown }) : undefined };
}

function record(what: string, status: number, body: { code?: unknown; message?: unknown; details?: unknown } | undefined): void {
  answers.push({ status, code: body?.code, what });
  expect(status, what).toBeGreaterThanOrEqual(400);
  expect(status, what).toBeLessThan(500);
  expect(typeof body?.code, what).toBe('string');
  expect(typeof body?.message, what).toBe('string');
  expect(Array.isArray(body?.details), what).toBe(true);
}

describe('input fuzz: malformed bodies and documents are refused with a 4xx and change nothing', () => {
  it('JSON bodies of every command endpoint', async () => {
    const target = fc.constantFrom(...targets).chain((t) => malformed(t).map((m) => ({ t, m })));
    await fc.assert(
      fc.asyncProperty(target, async ({ t, m }) => {
        const { status, body } = await send(t.method, t.url(), t.token(), m);
        record(`${t.name}: ${m.kind}`, status, body);
      }),
      { numRuns: 700, seed: 20260302 },
    );
  });

  it('instance data that does not fit the definition', async () => {
    const data = fc.dictionary(fc.string({ maxLength: 12 }).filter((k) => k !== '__proto__'), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 });
    await fc.assert(
      fc.asyncProperty(data, fc.boolean(), async (d, publicly) => {
        // `zz-unknown` is never a field of the definition's data, so the data is always refused.
        const withUnknown = { ...d, 'zz-unknown': 1 };
        const m = { kind: 'data', body: JSON.stringify(publicly ? { item: 'api-permit', data: withUnknown } : { definition: 'api-permit', data: withUnknown }), type: 'application/json' };
        const { status, body } = await send('POST', publicly ? '/api/v1/applications' : '/api/v1/instances', publicly ? undefined : h.token('window'), m);
        record('data', status, body);
      }),
      { numRuns: 100, seed: 7 },
    );
  });

  it('YAML definitions: alias bombs, deep nesting, syntax errors, invalid definitions, bad bytes', async () => {
    const aliasBomb = fc.tuple(fc.integer({ min: 10, max: 20 }), fc.integer({ min: 4, max: 8 })).map(([fan, levels]) => {
      const lines = [`l0: &l0 [${Array(fan).fill('lol').join(', ')}]`];
      for (let i = 1; i < levels; i++) lines.push(`l${i}: &l${i} [${Array(fan).fill(`*l${i - 1}`).join(', ')}]`);
      return `id: bomb\nversion: 1\n${lines.join('\n')}\n`;
    });
    const deep = fc.integer({ min: 41, max: 200 }).map((n) => `id: deep\nversion: 1\nstates: ${'{a: '.repeat(n)}x${'}'.repeat(n)}\n`);
    const garbage = fc.string({ maxLength: 200 }).map((s) => `${s}\nbroken: [unclosed, {\n`);
    const randomMapping = fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }).filter((k) => /^[a-z]+$/.test(k)), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }).map(
      (d) => `${Object.entries(d).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('\n')}\nzz-unknown-key: 1\n`,
    );
    const brokenDefinition = fc.constantFrom('nowhere', 'missing-state', 'x').map(
      (target) => `id: fuzz-item\nversion: 1\ntitle: { zh: 测试 }\ndepartment: market-regulation\nevents: { done: { roles: [window] } }\ninitial: open\nstates:\n  open: { task: { role: window }, on: { done: { target: ${target} } } }\n  closed: { type: final, outcome: done }\n`,
    );
    const proto = fc.jsonValue({ maxDepth: 2 }).map((v) => `__proto__: ${JSON.stringify(v)}\nid: polluter\nversion: 1\n`);
    const withNul = fc.constantFrom('\u0000', 'a\u0000').map((s) => `id: nul-item\nversion: 1\ntitle: { zh: "${s}" }\n`);
    const yamlText = fc.oneof(aliasBomb, deep, garbage, randomMapping, brokenDefinition, proto, withNul);
    const doc = fc.oneof(
      yamlText.map((text) => ({ kind: 'yaml', body: text as string | Uint8Array, type: 'application/yaml' })),
      fc.tuple(yamlText, fc.constantFrom(...INVALID_UTF8)).map(([text, bytes]) => ({ kind: 'yaml bad utf-8', body: new Uint8Array([...enc.encode(text.slice(0, 10)), ...bytes, ...enc.encode(text.slice(10))]), type: 'application/yaml' })),
      fc.integer({ min: 1024 * 1024 + 1, max: 1100 * 1024 }).map((n) => ({ kind: 'yaml too large', body: `id: big\ndescription: ${'x'.repeat(n)}\n`, type: 'application/yaml' })),
      fc.constant({ kind: 'yaml empty', body: '   \n', type: 'application/yaml' }),
      yamlText.map((text) => ({ kind: 'yaml wrong type', body: text, type: 'application/json' })),
    );
    await fc.assert(
      fc.asyncProperty(doc, fc.constantFrom('/api/v1/definitions', '/api/v1/definitions/validate'), async (m, url) => {
        const { status, body } = await send('POST', url, h.token('designer'), m);
        record(`${url}: ${m.kind}`, status, body);
      }),
      { numRuns: 300, seed: 42 },
    );
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('query strings, path parameters and credentials', async () => {
    const badQuery = fc.oneof(
      fc.string({ minLength: 1, maxLength: 10 }).filter((k) => /^[a-z]+$/.test(k) && !['status', 'definition', 'state', 'receiptNo', 'department', 'outcome', 'createdFrom', 'createdTo', 'limit', 'cursor'].includes(k)).map((k) => `${k}=1`),
      fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 201 }), fc.constant('ten')).map((v) => `limit=${v}`),
      fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !['active', 'done'].includes(s)).map((s) => `status=${encodeURIComponent(s)}`),
      fc.string({ minLength: 1, maxLength: 12 }).map((s) => `createdFrom=${encodeURIComponent(`${s}!`)}`),
      fc.string({ minLength: 1, maxLength: 30 }).map((s) => `cursor=${encodeURIComponent(`${s}~`)}`),
      fc.constant('status=active&status=done'),
    );
    const badPath = fc.oneof(
      fc.string({ minLength: 1, maxLength: 40 }).map((s) => `/api/v1/instances/${encodeURIComponent(s)}`),
      fc.uuid().map((u) => `/api/v1/instances/${u}/audit`),
      fc.string({ minLength: 1, maxLength: 20 }).map((s) => `/api/v1/definitions/${encodeURIComponent(s)}/versions/${encodeURIComponent(s)}`),
      fc.string({ minLength: 1, maxLength: 20 }).map((s) => `/api/v1/alerts/${encodeURIComponent(s)}`),
      fc.constantFrom('/api/v1/instances/%E0%A4%A', '/api/v1/alerts/%', '/%ZZ', '/api/v1/definitions/%C0%AF/versions/1', '/docs/%2e%2e%2fpackage.json', '/..%2f..%2fetc%2fpasswd'),
    );
    const badToken = fc.oneof(fc.string({ maxLength: 60 }), fc.stringMatching(/^[A-Za-z0-9_-]{43}$/).map((s) => `gf_${s}`));
    const request = fc.oneof(
      badQuery.map((q) => ({ url: `/api/v1/instances?${q}`, token: h.token('window') as string | undefined, auth: undefined as string | undefined })),
      badPath.map((url) => ({ url, token: h.token('supervisor') as string | undefined, auth: undefined as string | undefined })),
      badToken.map((t) => ({ url: '/api/v1/tasks', token: undefined as string | undefined, auth: `Bearer ${t}`.replace(/[\r\n\0]/g, '') })),
    );
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers: Record<string, string> = {};
        if (r.token) headers['authorization'] = `Bearer ${r.token}`;
        if (r.auth) headers['authorization'] = r.auth;
        let response: Response;
        try {
          response = await h.api.app.request(r.url, { headers });
        } catch (error) {
          if (error instanceof TypeError) return;
          throw error;
        }
        const text = await response.text();
        record(r.url, response.status, JSON.parse(text) as { code?: unknown });
      }),
      { numRuns: 200, seed: 99 },
    );
  });

  it('left the database as it was, and refused at least 1,000 inputs, none with a 5xx', async () => {
    expect(await fingerprint()).toEqual(before);
    expect(answers.length).toBeGreaterThanOrEqual(1000);
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    const codes = new Set(answers.map((a) => a.code));
    for (const code of ['VALIDATION_FAILED', 'INVALID_JSON', 'INVALID_UTF8', 'BODY_TOO_LARGE', 'BODY_TOO_DEEP', 'FORBIDDEN_KEY', 'UNSTORABLE_TEXT', 'UNSUPPORTED_MEDIA_TYPE', 'INVALID_DEFINITION', 'INVALID_DATA', 'NOT_FOUND', 'UNAUTHENTICATED']) {
      expect(codes, code).toContain(code);
    }
  });
});

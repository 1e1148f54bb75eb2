import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { sealAuditRow } from '../../adapters/audit/append-audit-events.ts';
import { auditCanonical, auditHash, GENESIS_HASH } from '../../adapters/audit/audit-hash.ts';
import { canonicalJson } from '../../adapters/audit/canonical-json.ts';
import { describeEachBackend } from '../support/each-backend.ts';

/** JSON values jsonb can hold: no NUL, no unpaired surrogates (the runtime refuses those up front). */
const storableString = fc.string({ unit: 'binary' }).filter((s) => !s.includes('\u0000'));
const storableJson = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'string' ? x.replaceAll('\u0000', '') : x))) as unknown);
const record = fc.dictionary(storableString, storableJson, { maxKeys: 6 });

describe('canonical JSON', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: null, y: 'é' }], c: true } })).toBe('{"a":{"c":true,"d":[3,{"y":"é","z":null}]},"b":1}');
  });

  it('does not depend on the order keys were inserted in, and parses back to the same value', () => {
    fc.assert(
      fc.property(record, (value) => {
        const reversed = Object.fromEntries(Object.entries(value).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(value));
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('writes what JSON.stringify writes, only with sorted keys (toJSON, undefined members, boxed values)', () => {
    // Normalise with JSON.stringify, then sort keys: the definition, written the slow way.
    const sortKeys = (v: unknown): string =>
      v === null || typeof v !== 'object'
        ? JSON.stringify(v)
        : Array.isArray(v)
          ? `[${v.map(sortKeys).join(',')}]`
          : `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${sortKeys((v as Record<string, unknown>)[k])}`).join(',')}}`;
    const sortedByStringify = (v: unknown) => sortKeys(JSON.parse(JSON.stringify(v)) as unknown);
    fc.assert(
      fc.property(fc.anything({ maxDepth: 3, withDate: true, withBoxedValues: true, withNullPrototype: true, withSparseArray: true }), (value) => {
        let expected: string;
        try {
          if (JSON.stringify(value) === undefined) return;
          expected = sortedByStringify(value);
        } catch {
          return;
        }
        // Non-finite numbers, plain or boxed, are refused (see below) where JSON.stringify writes null.
        const nonFinite = (x: unknown) => {
          const n = x instanceof Number ? x.valueOf() : x;
          return typeof n === 'number' && !Number.isFinite(n);
        };
        if (/NaN|Infinity/.test(String(JSON.stringify(value, (_k, x: unknown) => (nonFinite(x) ? 'NaN' : x))))) return;
        expect(canonicalJson(value)).toBe(expected);
      }),
    );
  });

  it('writes the edge cases of key order, strings and numbers as the rules say', () => {
    // By UTF-16 code units: the empty key first, then "\u0000"; integer-like keys as strings; 😀 (a surrogate pair) before U+FFFF.
    const expected = '{"":3,"\\u0000":2,"10":4,"9":5,"b":1,"é":6,"😀":7,"\uffff":8}';
    expect(canonicalJson({ b: 1, '\u0000': 2, '': 3, 10: 4, 9: 5, é: 6, '😀': 7, '\uffff': 8 })).toBe(expected);
    // The same keys inserted in other orders, again and again, still come out sorted.
    const entries = Object.entries({ b: 1, '\u0000': 2, '': 3, 10: 4, 9: 5, é: 6, '😀': 7, '\uffff': 8 });
    for (let i = 0; i < 20; i++) {
      expect(canonicalJson(Object.fromEntries([...entries.slice(i % 8), ...entries.slice(0, i % 8)]))).toBe(expected);
    }
    const strings = ['', '"', '\\', '\u001f', '\u007f', '\ud800', '\udfff', 'a\ud83d\ude00b', 'x'.repeat(64), `${'x'.repeat(64)}"`, `"${'x'.repeat(64)}`, '张三'];
    expect(canonicalJson(strings)).toBe(JSON.stringify(strings));
    const numbers = [0, -0, 999999999, 1e9, 1e9 + 1, 1795988517206, 1e12, 1e15 + 7, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 1e21, 5e-324, -1795988517206, 1795988517206.5];
    expect(canonicalJson(numbers)).toBe(JSON.stringify(numbers));
  });

  it('refuses what JSON cannot carry', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson([new Number(Number.NEGATIVE_INFINITY)])).toThrow(TypeError);
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
  });

  it('hashes with SM3 (GB/T 32905 "abc" vector) and changes with any field', () => {
    expect(createHash('sm3').update('abc').digest('hex')).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
    const row = { instanceId: 'i', seq: 1, region: 'r', type: 't', actor: {}, payload: { a: 1 }, occurredAt: 0, prevHash: GENESIS_HASH, hashAlg: 'sm3' };
    expect(auditHash(row)).toMatch(/^[0-9a-f]{64}$/);
    expect(auditHash({ ...row, payload: { a: 2 } })).not.toBe(auditHash(row));
    expect(auditHash({ ...row, occurredAt: 1 })).not.toBe(auditHash(row));
    expect(() => auditHash({ ...row, hashAlg: 'md5' })).toThrow('unsupported hash algorithm');
  });
  it('writes a row\'s text as the canonical JSON of the row object, and stores what it hashed', () => {
    const text = fc.string({ unit: 'grapheme' });
    const row = fc.record({
      instanceId: fc.uuid(),
      seq: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      region: text,
      type: text,
      actor: record,
      payload: record,
      occurredAt: fc.integer({ min: 0, max: 4102444800000 }),
      prevHash: fc.stringMatching(/^[0-9a-f]{64}$/),
    });
    fc.assert(
      fc.property(row, (r) => {
        const full = { ...r, hashAlg: 'sm3' };
        const canonical = auditCanonical(full);
        expect(canonical.row).toBe(
          canonicalJson({
            instance_id: r.instanceId,
            seq: r.seq,
            region: r.region,
            type: r.type,
            actor: r.actor,
            payload: r.payload,
            occurred_at: new Date(r.occurredAt).toISOString(),
            prev_hash: r.prevHash,
            hash_alg: 'sm3',
          }),
        );
        const sealed = sealAuditRow(r);
        expect(sealed.hash).toBe(auditHash(full));
        expect(sealed.payloadJson).toBe(canonical.payload);
        expect(sealed.actorJson).toBe(canonical.actor);
        expect(canonicalJson(JSON.parse(sealed.payloadJson))).toBe(canonical.payload);
      }),
    );
  });

  it('stores the payload as sealed when the caller changes the object afterwards', () => {
    const payload: Record<string, unknown> = { data: { name: '张三' } };
    const sealed = sealAuditRow({ instanceId: 'i', seq: 1, region: 'r', type: 't', actor: { id: 'a' }, payload, occurredAt: 0, prevHash: GENESIS_HASH });
    (payload['data'] as Record<string, unknown>)['name'] = '李四';
    const stored = JSON.parse(sealed.payloadJson) as Record<string, unknown>;
    expect(stored).toEqual({ data: { name: '张三' } });
    expect(auditHash({ ...sealed, payload: stored })).toBe(sealed.hash);
  });
});

describeEachBackend('canonical JSON through jsonb', (store) => {
  it('is the same text after a round trip through a jsonb column', async () => {
    await fc.assert(
      fc.asyncProperty(record, async (value) => {
        const { rows } = await sql<{ v: unknown }>`select cast(${JSON.stringify(value)} as jsonb) as v`.execute(store().db);
        expect(canonicalJson(rows[0]?.v)).toBe(canonicalJson(value));
      }),
      { numRuns: 150 },
    );
  });
});

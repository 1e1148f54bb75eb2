import fc from 'fast-check';
import { CompiledQuery } from 'kysely';
import { expect, it } from 'vitest';
import { ColumnRows, rowsFrom } from '../../adapters/storage/column-rows.ts';
import { describeEachBackend } from '../support/each-backend.ts';

const SPEC = [
  ['id', 'uuid'],
  ['name', 'text'],
  ['n', 'integer'],
  ['at', 'timestamptz'],
  ['doc', 'jsonb'],
  ['raw', 'json'],
] as const;

/** What the database can store: no NUL in text or JSON strings. */
const storableString = fc.string({ unit: 'binary' }).filter((s) => !s.includes('\u0000'));
const storableJson = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'string' ? x.replaceAll('\u0000', '') : x)));
const row = fc.record({
  id: fc.uuid(),
  name: fc.option(fc.oneof(storableString, fc.constantFrom('NULL', 'null', '', ' a ', '{x,y}', '"', '\\', 'a"b\\c', '张三, 李四')), { nil: null }),
  n: fc.option(fc.integer({ min: -2147483648, max: 2147483647 }), { nil: null }),
  at: fc.option(fc.integer({ min: 0, max: 4102444800000 }), { nil: null }),
  doc: storableJson,
});

describeEachBackend('column rows', (store) => {
  it('come back as the rows added, value for value and in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 20 }), async (rows) => {
        const columns = new ColumnRows(SPEC);
        for (const r of rows) columns.add(r.id, r.name, r.n, r.at, r.doc, r.doc);
        const query = CompiledQuery.raw(`select id, name, n, at, doc, cast(raw as text) as raw from ${rowsFrom(SPEC, 'x', 1)}`, columns.parameters());
        const { rows: back } = await store().db.executeQuery(query as CompiledQuery<{ id: string; name: string | null; n: number | null; at: Date | null; doc: unknown; raw: string }>);
        expect(back.map((b) => [b.id, b.name, b.n, b.at === null ? null : new Date(b.at).getTime(), b.doc, b.raw])).toEqual(
          rows.map((r) => [r.id, r.name, r.n, r.at, JSON.parse(r.doc), r.doc]),
        );
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a value that would not stay one element of its array', () => {
    const columns = new ColumnRows(SPEC);
    expect(() => columns.add('00000000-0000-0000-0000-000000000000', 'a', 1.5, 0, '{}', '{}')).toThrow(/not an integer/);
    expect(() => columns.add('00000000-0000-0000-0000-000000000000,x', 'a', 1, 0, '{}', '{}')).toThrow(/not a UUID/);
    expect(columns.length).toBe(0);
    expect(columns.parameters().map(String)).toEqual(['{}', '{}', '{}', '{}', '[]', '[]']);
  });

  it('keep hundreds of rows in order across the chunks they are written out in, and end when their parameters are taken', async () => {
    const columns = new ColumnRows(SPEC);
    const ids = Array.from({ length: 300 }, (_, i) => `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`);
    ids.forEach((id, i) => columns.add(id, i % 7 === 0 ? null : `第${i}行 "row" \\ ${i}`, i, i * 1000, JSON.stringify({ i }), `[${i}]`));
    const parameters = columns.parameters();
    expect(columns.parameters()).toBe(parameters);
    expect(() => columns.add(ids[0]!, null, 0, 0, '{}', '{}')).toThrow(/after their parameters/);
    const query = CompiledQuery.raw(`select id, name, n, doc, cast(raw as text) as raw from ${rowsFrom(SPEC, 'x', 1)}`, parameters);
    const { rows: back } = await store().db.executeQuery(query as CompiledQuery<{ id: string; name: string | null; n: number; doc: unknown; raw: string }>);
    expect(back).toEqual(ids.map((id, i) => ({ id, name: i % 7 === 0 ? null : `第${i}行 "row" \\ ${i}`, n: i, doc: { i }, raw: `[${i}]` })));
  });
});

/**
 * Canonical JSON, the byte string the audit hash is taken over.
 *
 * Rules (a JSON value in, one string out; pure):
 * - the value is first normalised as `JSON.stringify` sees it: `toJSON()` is applied,
 *   `undefined` members of objects are dropped, `undefined` in arrays becomes `null`;
 * - object keys are sorted by UTF-16 code units (JavaScript's default string order), with
 *   no whitespace anywhere;
 * - strings and numbers are written as `JSON.stringify` writes them (the shortest
 *   round-tripping form; `-0` is `0`), booleans and `null` literally;
 * - non-finite numbers, `bigint` and functions are refused.
 *
 * This matches RFC 8785 (JCS) for every value that survives a jsonb round trip, which is
 * what makes a row read back from PostgreSQL hash to the same digest it was written with.
 *
 * @throws TypeError on a value JSON cannot carry.
 */
export function canonicalJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) {
      throw new TypeError(`规范化 JSON 不接受非有限数 canonical JSON refuses non-finite number ${v}`);
    }
    return v;
  });
  if (text === undefined) {
    throw new TypeError('规范化 JSON 不接受 undefined canonical JSON refuses undefined');
  }
  return write(JSON.parse(text) as unknown);
}

function write(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(write).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${write(record[k])}`).join(',')}}`;
}

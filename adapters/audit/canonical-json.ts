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
  const text = write(value);
  if (text === undefined) {
    throw new TypeError('规范化 JSON 不接受 undefined canonical JSON refuses undefined');
  }
  return text;
}

/** One pass over the value; `undefined` where `JSON.stringify` would leave the member out. */
function write(input: unknown): string | undefined {
  let value = input;
  if (value !== null && typeof value === 'object') {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') value = (toJSON as () => unknown).call(value);
    if (value instanceof Number || value instanceof String || value instanceof Boolean) value = value.valueOf();
  }
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) {
        throw new TypeError(`规范化 JSON 不接受非有限数 canonical JSON refuses non-finite number ${value}`);
      }
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('规范化 JSON 不接受 bigint canonical JSON refuses bigint');
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        const items: string[] = [];
        for (let i = 0; i < value.length; i++) items.push(write(value[i]) ?? 'null');
        return `[${items.join(',')}]`;
      }
      const record = value as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of Object.keys(record).sort()) {
        const text = write(record[key]);
        if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      return undefined;
  }
}

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

/** Keys `JSON.stringify` writes as they are: printable ASCII without `"` and `\`. */
const PLAIN_KEY = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** One pass over the value; `undefined` where `JSON.stringify` would leave the member out. */
function write(input: unknown): string | undefined {
  switch (typeof input) {
    case 'string':
      return JSON.stringify(input);
    case 'number':
      if (!Number.isFinite(input)) {
        throw new TypeError(`规范化 JSON 不接受非有限数 canonical JSON refuses non-finite number ${input}`);
      }
      return JSON.stringify(input);
    case 'boolean':
      return input ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('规范化 JSON 不接受 bigint canonical JSON refuses bigint');
    case 'object':
      return input === null ? 'null' : writeObject(input);
    default:
      return undefined;
  }
}

function writeObject(input: object): string | undefined {
  let value: unknown = input;
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    value = (toJSON as () => unknown).call(value);
    if (value === null || typeof value !== 'object') return write(value);
  }
  if (value instanceof Number || value instanceof String || value instanceof Boolean) return write(value.valueOf());
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + (write(value[i]) ?? 'null');
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length > 1) keys.sort();
  let out = '{';
  for (const key of keys) {
    const text = write(record[key]);
    if (text === undefined) continue;
    out += `${out.length === 1 ? '"' : ',"'}${PLAIN_KEY.test(key) ? key : JSON.stringify(key).slice(1, -1)}":${text}`;
  }
  return `${out}}`;
}

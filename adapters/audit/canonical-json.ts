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
  const text = write(value, '');
  if (text === undefined) {
    throw new TypeError('规范化 JSON 不接受 undefined canonical JSON refuses undefined');
  }
  return text;
}

/**
 * Appends `input` to `out` and returns the result, or returns `undefined` (leaving `out`
 * to the caller) where `JSON.stringify` would leave the member out.
 */
function write(input: unknown, out: string): string | undefined {
  switch (typeof input) {
    case 'string':
      return needsEscape(input) ? out + JSON.stringify(input) : `${out}"${input}"`;
    case 'number':
      if (!Number.isFinite(input)) {
        throw new TypeError(`规范化 JSON 不接受非有限数 canonical JSON refuses non-finite number ${input}`);
      }
      return out + numberText(input);
    case 'boolean':
      return out + (input ? 'true' : 'false');
    case 'bigint':
      throw new TypeError('规范化 JSON 不接受 bigint canonical JSON refuses bigint');
    case 'object':
      return input === null ? `${out}null` : writeObject(input, out);
    default:
      return undefined;
  }
}

function writeObject(input: object, out: string): string | undefined {
  let value: unknown = input;
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    value = (toJSON as () => unknown).call(value);
    if (value === null || typeof value !== 'object') return write(value, out);
  }
  if (value instanceof Number || value instanceof String || value instanceof Boolean) return write(value.valueOf(), out);
  if (Array.isArray(value)) {
    out += '[';
    for (let i = 0; i < value.length; i++) {
      const head = i === 0 ? out : `${out},`;
      out = write(value[i], head) ?? `${head}null`;
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  out += '{';
  if (keys.length === 0) return `${out}}`;
  const { sorted, names, commaNames } = layoutOf(keys);
  let empty = true;
  for (let i = 0; i < sorted.length; i++) {
    const next = write(record[sorted[i]!], out + (empty ? names[i]! : commaNames[i]!));
    if (next === undefined) continue;
    out = next;
    empty = false;
  }
  return `${out}}`;
}

/**
 * Whether `JSON.stringify` could write `text` other than as it is, in quotes: it escapes `"`,
 * `\`, control characters and lone surrogates (any surrogate is sent its way). Long strings go
 * to `JSON.stringify` unscanned.
 */
function needsEscape(text: string): boolean {
  if (text.length > 64) return true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return true;
  }
  return false;
}

const ZEROS = ['', '0', '00', '000', '0000', '00000', '000000', '0000000', '00000000'];

/**
 * `String(n)`. V8 writes integers of 10 to 16 digits (epoch milliseconds, say) through its
 * slower double-to-text path, so they are written as two halves below 1e9 instead; both halves
 * are exact for safe integers.
 */
function numberText(n: number): string {
  if (n >= 1e9 && n <= Number.MAX_SAFE_INTEGER && Number.isInteger(n)) {
    const low = n % 1e9;
    const lowText = `${low}`;
    return `${(n - low) / 1e9}${ZEROS[9 - lowText.length]!}${lowText}`;
  }
  return `${n}`;
}

/** An object's own keys as `Object.keys` lists them, sorted, and written as `"key":` and `,"key":`. */
interface Layout {
  keys: readonly string[];
  sorted: readonly string[];
  names: readonly string[];
  commaNames: readonly string[];
}

/** Keys `JSON.stringify` writes as they are: printable ASCII without `"` and `\`. */
const PLAIN_KEY = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * Layouts of recently seen key lists. Objects of one shape recur from row to row, so a hit
 * saves sorting and escaping their keys. One slot per hash of the key list, the newest
 * winning, keeps both the memory and the cost of a miss bounded; a hit is confirmed key by key.
 */
const layouts: (Layout | undefined)[] = new Array<Layout | undefined>(256).fill(undefined);

function layoutOf(keys: string[]): Layout {
  const first = keys[0]!;
  const last = keys[keys.length - 1]!;
  let hash = keys.length;
  hash = Math.imul(hash, 31) + first.length;
  hash = Math.imul(hash, 31) + (first.charCodeAt(first.length - 1) | 0);
  hash = Math.imul(hash, 31) + last.length;
  hash = Math.imul(hash, 31) + (last.charCodeAt(0) | 0);
  const slot = (hash ^ (hash >>> 8)) & 255;
  const cached = layouts[slot];
  if (cached !== undefined && sameKeys(cached.keys, keys)) return cached;
  const sorted = sortKeys(keys.slice());
  const names = sorted.map((key) => `${PLAIN_KEY.test(key) ? `"${key}"` : JSON.stringify(key)}:`);
  const layout = { keys, sorted, names, commaNames: names.map((name) => `,${name}`) };
  layouts[slot] = layout;
  return layout;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * `keys.sort()`. Short lists are insertion-sorted comparing first code units, and whole keys
 * only on a tie (`| 0` turns the empty key's `NaN` into 0, which then ties with `"\0"`).
 */
function sortKeys(keys: string[]): string[] {
  if (keys.length > 32) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    const unit = key.charCodeAt(0) | 0;
    let j = i - 1;
    for (; j >= 0; j--) {
      const other = keys[j]!;
      const otherUnit = other.charCodeAt(0) | 0;
      if (otherUnit < unit || (otherUnit === unit && other < key)) break;
      keys[j + 1] = other;
    }
    keys[j + 1] = key;
  }
  return keys;
}

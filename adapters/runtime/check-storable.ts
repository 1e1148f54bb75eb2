import { AdapterError } from '../errors.ts';

/**
 * Refuses JSON that PostgreSQL's jsonb cannot hold — strings (or keys) with NUL characters or
 * unpaired UTF-16 surrogates — before anything is written, so one bad command cannot fail the
 * transaction it shares with others. Pure.
 * @throws AdapterError `UNSTORABLE_TEXT` naming the path of the first offending string.
 */
export function assertStorable(value: unknown, what: string): void {
  const bad = findUnstorable(value, what);
  if (bad !== undefined) {
    throw new AdapterError(
      'UNSTORABLE_TEXT',
      `${bad} 含有无法存储的字符（NUL 或孤立代理项） ${bad} contains a character that cannot be stored (NUL or an unpaired surrogate)`,
      { path: bad },
    );
  }
}

function findUnstorable(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return isStorable(value) ? undefined : path;
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorable(value[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, v] of Object.entries(value)) {
    if (!isStorable(key)) return `${path}.${JSON.stringify(key)}`;
    const found = findUnstorable(v, `${path}.${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one (code units, no `u` flag). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const isStorable = (text: string) => !text.includes('\u0000') && !LONE_SURROGATE.test(text);

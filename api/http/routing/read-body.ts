import type { Context } from 'hono';
import { ApiError } from '../api-error.ts';

/** JSON bodies: at most this many bytes and this deep. */
export const JSON_BODY_LIMIT = 256 * 1024;
export const JSON_MAX_DEPTH = 32;
/** YAML definitions: the loader's own limit is 1,000,000 characters. */
export const YAML_BODY_LIMIT = 1024 * 1024;

/**
 * Reads the request body, refusing more than `maxBytes` — by `Content-Length` at once,
 * and while streaming when the header is absent or wrong.
 */
export async function readBodyBytes(c: Context, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () => new ApiError('BODY_TOO_LARGE', `请求体过大 request body larger than ${maxBytes} bytes`, [{ message: `limit ${maxBytes} bytes` }]);
  const declared = c.req.header('content-length');
  if (declared !== undefined && Number(declared) > maxBytes) throw tooLarge();
  const body = c.req.raw.body;
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes strict UTF-8: invalid byte sequences are refused rather than replaced. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch (cause) {
    throw new ApiError('INVALID_UTF8', '请求体不是有效的 UTF-8 request body is not valid UTF-8', [], { cause });
  }
}

/** Media type without parameters, lower-case; `undefined` when absent. */
function mediaType(c: Context): { type: string | undefined; charset: string | undefined } {
  const header = c.req.header('content-type');
  if (header === undefined) return { type: undefined, charset: undefined };
  const [type, ...params] = header.split(';').map((s) => s.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  return { type, charset };
}

function requireMedia(c: Context, allowed: readonly string[]): void {
  const { type, charset } = mediaType(c);
  if (type === undefined || !allowed.includes(type) || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', `不支持的内容类型 unsupported Content-Type; use ${allowed.join(' or ')} (UTF-8)`, [{ message: `got ${c.req.header('content-type') ?? '(none)'}` }]);
  }
}

/** A high surrogate not followed by a low one, or a low one without its high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True for text PostgreSQL can store (no NUL, no unpaired surrogate). Pure. */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !LONE_SURROGATE.test(text);
}

function unstorable(path: string): ApiError {
  return new ApiError('UNSTORABLE_TEXT', '文本含有无法存储的字符（NUL 或孤立代理项） text contains a character that cannot be stored (NUL or an unpaired surrogate)', [
    { path: path || '/', message: 'NUL or unpaired surrogate' },
  ]);
}

/**
 * Walks a parsed JSON value without recursion and refuses nesting deeper than `maxDepth`,
 * keys named `__proto__` (prototype-pollution probes) and text the database cannot store.
 */
export function checkJsonShape(value: unknown, maxDepth: number): void {
  const stack: Array<{ v: unknown; depth: number; path: string }> = [{ v: value, depth: 0, path: '' }];
  while (stack.length > 0) {
    const { v, depth, path } = stack.pop()!;
    if (typeof v === 'string' && !isStorableText(v)) throw unstorable(path);
    if (v === null || typeof v !== 'object') continue;
    if (depth >= maxDepth) throw new ApiError('BODY_TOO_DEEP', `请求体嵌套过深 body nested deeper than ${maxDepth} levels`, [{ path: path || '/', message: `at most ${maxDepth} levels` }]);
    for (const key of Object.keys(v)) {
      if (!isStorableText(key)) throw unstorable(`${path}/?`);
      if (key === '__proto__') throw new ApiError('FORBIDDEN_KEY', `不允许的键 key '__proto__' is not allowed`, [{ path: `${path}/__proto__`, message: 'forbidden key' }]);
      stack.push({ v: (v as Record<string, unknown>)[key], depth: depth + 1, path: `${path}/${key}` });
    }
  }
}

/** Reads a JSON body (an empty body counts as `{}`): size, media type, UTF-8, syntax, depth. */
export async function readJsonBody(c: Context): Promise<unknown> {
  const bytes = await readBodyBytes(c, JSON_BODY_LIMIT);
  if (bytes.byteLength === 0) return {};
  requireMedia(c, ['application/json']);
  const text = decodeUtf8(bytes);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ApiError('INVALID_JSON', '请求体不是有效的 JSON request body is not valid JSON', [{ message: cause instanceof Error ? cause.message : String(cause) }], { cause });
  }
  checkJsonShape(value, JSON_MAX_DEPTH);
  return value;
}

/** Reads a YAML body as text: size, media type, UTF-8. Parsing and its limits are the loader's. */
export async function readYamlBody(c: Context): Promise<string> {
  const bytes = await readBodyBytes(c, YAML_BODY_LIMIT);
  requireMedia(c, ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'text/plain']);
  const text = decodeUtf8(bytes);
  if (!isStorableText(text)) throw unstorable('');
  if (text.trim().length === 0) throw new ApiError('INVALID_YAML', '请求体为空 empty YAML document', [{ line: 1, col: 1, message: 'empty document' }]);
  return text;
}

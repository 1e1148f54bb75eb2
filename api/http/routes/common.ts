import type { KeysetCursor } from '../../../adapters/queries/keyset-page.ts';
import { ApiError } from '../api-error.ts';
import type { HeaderSpec, ParamSpec, ResponseSpec } from '../routing/route-spec.ts';
import type { JsonSchema } from '../routing/schema.ts';

export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const DEFINITION_ID_PATTERN = '^[a-z][a-z0-9-]{0,99}$';
export const DEPARTMENT_PATTERN = '^[a-z][a-z0-9-]{0,63}$';
export const REGION_PATTERN = '^[0-9A-Za-z][0-9A-Za-z-]{0,31}$';
export const STATE_PATTERN = '^[a-z][a-z0-9-]{0,99}$';
export const RECEIPT_PATTERN = '^GF[0-9]{16}$';

export const params = {
  id: { schema: { type: 'string', pattern: UUID_PATTERN }, description: { zh: '办件（实例）编号', en: 'instance id' } },
  alertId: { schema: { type: 'string', pattern: UUID_PATTERN }, description: { zh: '预警编号', en: 'alert id' } },
  tokenId: { schema: { type: 'string', pattern: UUID_PATTERN }, description: { zh: '令牌编号', en: 'token id' } },
  definitionId: { schema: { type: 'string', pattern: DEFINITION_ID_PATTERN }, description: { zh: '流程定义标识', en: 'definition id' } },
  version: { schema: { type: 'string', pattern: '^[1-9][0-9]{0,8}$' }, description: { zh: '版本号', en: 'version' } },
  event: {
    schema: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,99}(\\.[a-z][a-z0-9-]{0,99})?$' },
    description: { zh: '事件名', en: 'event name' },
  },
  task: { schema: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,99}(#[a-z][a-z0-9-]{0,99})?$' }, description: { zh: '任务（任务名或完整任务编号）', en: 'task (name or full task id)' } },
  receiptNo: { schema: { type: 'string', pattern: RECEIPT_PATTERN }, description: { zh: '受理编号', en: 'receipt number' } },
} satisfies Record<string, ParamSpec>;

export const idempotencyHeader: HeaderSpec = {
  name: 'Idempotency-Key',
  required: false,
  schema: { type: 'string', pattern: '^[\\x21-\\x7e]{8,200}$' },
  description: { zh: '幂等键：同一键重复提交只执行一次，返回第一次的结果', en: 'idempotency key: a repeated request with the same key runs once and returns the first result' },
};

export const codeHeader: HeaderSpec = {
  name: 'X-Verification-Code',
  required: true,
  schema: { type: 'string', pattern: '^[0-9A-Za-z]{1,32}$' },
  description: { zh: '提交时发放的查询码', en: 'verification code issued at submission' },
};

/** Query fields every list takes. */
export const pageQuery: Record<string, JsonSchema> = {
  limit: { type: 'integer', minimum: 1, maximum: 200, default: 50, description: '每页条数 page size' },
  cursor: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,400}$', description: '上一页返回的 next 游标 the `next` cursor of the previous page' },
};

export const errorSchema: JsonSchema = {
  type: 'object',
  required: ['code', 'message', 'details'],
  properties: {
    code: { type: 'string' },
    message: { type: 'string', description: '中文在前，英文在后 zh-CN first, English after' },
    details: { type: 'array', items: { type: 'object', properties: { file: { type: 'string' }, line: { type: 'integer' }, col: { type: 'integer' }, path: { type: 'string' }, message: { type: 'string' } } } },
  },
};

export const commandResultSchema: JsonSchema = {
  type: 'object',
  properties: {
    instanceId: { type: 'string' },
    receiptNo: { type: 'string' },
    version: { type: 'integer' },
    status: { type: 'string' },
    outcome: { type: ['string', 'null'] },
    state: {},
    duplicate: { type: 'boolean' },
  },
};

export function ok(description: { zh: string; en: string }, schema?: JsonSchema, status = 200): ResponseSpec {
  return { status, description, ...(schema ? { schema } : {}) };
}

export const pageSchema = (item: JsonSchema): JsonSchema => ({
  type: 'object',
  properties: { items: { type: 'array', items: item }, next: { type: ['string', 'null'], description: '下一页游标 cursor of the next page' } },
});

/** Encodes a keyset cursor as opaque base64url text. Pure. */
export function encodeCursor(cursor: KeysetCursor | null): string | null {
  return cursor ? Buffer.from(JSON.stringify([cursor.at, cursor.id]), 'utf8').toString('base64url') : null;
}

/** Decodes a cursor from `encodeCursor`. @throws ApiError `INVALID_CURSOR` on anything else. */
export function decodeCursor(text: string | undefined): KeysetCursor | undefined {
  if (text === undefined) return undefined;
  const invalid = () => new ApiError('INVALID_CURSOR', '分页游标无效 invalid page cursor', [{ path: '/cursor', message: 'use the `next` value of a previous page' }]);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(value) || value.length !== 2) throw invalid();
  const [at, id] = value as unknown[];
  if (typeof at !== 'string' || typeof id !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(at) || Number.isNaN(Date.parse(at))) throw invalid();
  if (!/^[0-9a-f-]{36}(\|[a-z0-9#-]{1,201})?$/.test(id)) throw invalid();
  return { at, id };
}

import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import { isAdapterError, type AdapterErrorCode } from '../../adapters/errors.ts';
import { maskPersonalData } from '../../adapters/outbox/mask-personal-data.ts';
import { DefinitionError, isEngineError, type EngineErrorCode } from '../../engine/index.ts';
import { ApiError, type ApiErrorCode, type Denial, type ErrorDetail } from './api-error.ts';
import { maskStrings } from './views/mask.ts';

/**
 * Every error code and its HTTP status — the only place a status is chosen for an error.
 * A client's mistake is a 4xx; 5xx is left for faults of the server itself.
 */
const STATUS: Record<ApiErrorCode | EngineErrorCode | AdapterErrorCode | 'INVALID_DEFINITION', ContentfulStatusCode> = {
  // HTTP layer
  UNAUTHENTICATED: 401,
  ROLE_FORBIDDEN: 403,
  DEPARTMENT_MISMATCH: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  INVALID_UTF8: 400,
  INVALID_YAML: 400,
  BODY_TOO_LARGE: 413,
  BODY_TOO_DEEP: 400,
  FORBIDDEN_KEY: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INVALID_DEFINITION: 422,
  TEMPLATE_NOT_PUBLISHABLE: 422,
  SERVER_OWNED_FIELD: 422,
  RESERVED_EVENT: 422,
  ALREADY_ACKNOWLEDGED: 409,
  INVALID_CURSOR: 400,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  // engine
  UNKNOWN_EVENT: 422,
  EVENT_NOT_ALLOWED: 409,
  FORBIDDEN: 403,
  INVALID_PAYLOAD: 422,
  INVALID_DATA: 422,
  GUARD_REJECTED: 422,
  EXPRESSION_ERROR: 422,
  INSTANCE_DONE: 409,
  UNKNOWN_TASK: 409,
  TASK_NOT_OPEN: 409,
  EXTENSION_LIMIT: 409,
  INVALID_SNAPSHOT: 500,
  DEFINITION_MISMATCH: 500,
  // runtime
  CONFLICT: 409,
  INSTANCE_NOT_FOUND: 404,
  DEFINITION_NOT_FOUND: 404,
  DEFINITION_CONFLICT: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
  BUSINESS_KEY_TAKEN: 409,
  UNSTORABLE_TEXT: 422,
  SCHEMA_NEWER_THAN_CODE: 503,
  MIGRATION_MISMATCH: 503,
  RUNTIME_CLOSED: 503,
};

/** The error body every failing request gets. */
export interface ErrorBody {
  code: string;
  message: string;
  details: ErrorDetail[];
}

interface Classified {
  status: ContentfulStatusCode;
  body: ErrorBody;
  denial?: Denial;
}

function detailsOf(value: unknown): ErrorDetail[] {
  if (Array.isArray(value)) return value.map((v) => (v && typeof v === 'object' ? (v as ErrorDetail) : { message: String(v) }));
  if (value && typeof value === 'object' && Object.keys(value).length > 0) {
    const record = value as Record<string, unknown>;
    if (Array.isArray(record['errors'])) return detailsOf(record['errors']);
    return [{ message: '', ...record }];
  }
  return [];
}

/** Maps any thrown value to its status and body. Pure. */
export function classifyError(error: unknown): Classified {
  if (error instanceof ApiError) {
    return { status: STATUS[error.code], body: { code: error.code, message: error.message, details: error.details }, ...(error.denial ? { denial: error.denial } : {}) };
  }
  if (error instanceof DefinitionError) {
    return { status: 422, body: { code: 'INVALID_DEFINITION', message: error.message.split('\n')[0] ?? error.message, details: error.diagnostics.map((d) => ({ ...d })) } };
  }
  if (isEngineError(error)) {
    const status = STATUS[error.code] ?? 500;
    const body = { code: error.code, message: error.message, details: detailsOf(error.details) };
    if (status >= 500) return { status, body: { code: 'INTERNAL', message: '服务器内部错误 internal server error', details: [] } };
    return { status, body, ...(error.code === 'FORBIDDEN' ? { denial: { reason: `engine refused: ${error.message}` } } : {}) };
  }
  if (isAdapterError(error)) {
    const status = STATUS[error.code] ?? 500;
    if (status >= 500) return { status, body: { code: error.code, message: '服务暂不可用 service unavailable', details: [] } };
    return { status, body: { code: error.code, message: error.message, details: detailsOf(error.details) } };
  }
  if (error instanceof HTTPException && error.status < 500) {
    return { status: error.status as ContentfulStatusCode, body: { code: `HTTP_${error.status}`, message: error.message || 'request refused', details: [] } };
  }
  return { status: 500, body: { code: 'INTERNAL', message: '服务器内部错误 internal server error', details: [] } };
}

/** What `onError` needs besides the error: the logger and a way to write the security audit. */
export interface ErrorHandlerDeps {
  logger: Logger;
  recordDenial(c: Context, status: number, code: string, denial: Denial): Promise<void>;
}

/**
 * hono's `onError`: one JSON shape `{code, message, details}` for every failure, personal data
 * masked, no stack traces. Denied access attempts go to the security audit first.
 */
export function createErrorHandler(deps: ErrorHandlerDeps): (error: Error, c: Context) => Promise<Response> {
  return async (error, c) => {
    const { status, body, denial } = classifyError(error);
    const log = (c.get('log') as Logger | undefined) ?? deps.logger;
    if (status >= 500) log.error({ err: error, code: body.code }, 'request failed');
    else log.info({ code: body.code, status }, 'request refused');
    const forAudit = denial ?? (status === 401 || status === 403 ? { reason: body.message } : undefined);
    if (forAudit) {
      try {
        await deps.recordDenial(c, status, body.code, forAudit);
      } catch (auditError) {
        log.error({ err: auditError }, 'security audit write failed');
      }
    }
    const safe: ErrorBody = { code: body.code, message: maskPersonalData(body.message), details: maskStrings(body.details) as ErrorDetail[] };
    return c.json(safe, status);
  };
}

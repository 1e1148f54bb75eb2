/** One item of an error's `details`: where (when known) and what. */
export interface ErrorDetail {
  file?: string;
  line?: number;
  col?: number;
  path?: string;
  message: string;
  [key: string]: unknown;
}

/** Codes of the errors the HTTP layer raises itself; engine and runtime codes pass through unchanged. */
export type ApiErrorCode =
  | 'UNAUTHENTICATED'
  | 'ROLE_FORBIDDEN'
  | 'DEPARTMENT_MISMATCH'
  | 'NOT_FOUND'
  | 'ROUTE_NOT_FOUND'
  | 'VALIDATION_FAILED'
  | 'INVALID_JSON'
  | 'INVALID_UTF8'
  | 'INVALID_YAML'
  | 'BODY_TOO_LARGE'
  | 'BODY_TOO_DEEP'
  | 'FORBIDDEN_KEY'
  | 'UNSTORABLE_TEXT'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'INVALID_DEFINITION'
  | 'TEMPLATE_NOT_PUBLISHABLE'
  | 'SERVER_OWNED_FIELD'
  | 'RESERVED_EVENT'
  | 'ALREADY_ACKNOWLEDGED'
  | 'INVALID_CURSOR'
  | 'RATE_LIMITED'
  | 'INTERNAL';

/** Why a request was refused, for the security audit (never shown to the caller). */
export interface Denial {
  reason: string;
  resource?: string;
}

/**
 * An error the HTTP layer raises on purpose. It carries no status: `onError`
 * (api/http/on-error.ts) maps every code to its status in one table.
 */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly details: ErrorDetail[];
  /** Set when the refusal is a denied access attempt: it goes to the security audit. */
  readonly denial: Denial | undefined;

  constructor(code: ApiErrorCode, message: string, details: ErrorDetail[] = [], options: { denial?: Denial; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.code = code;
    this.details = details;
    this.denial = options.denial;
  }
}

/** The one "not found" every lookup answers, whether the object is missing or outside the caller's scope. */
export function notFound(what: { zh: string; en: string }, denial?: Denial): ApiError {
  return new ApiError('NOT_FOUND', `未找到${what.zh} ${what.en} not found`, [], denial ? { denial } : {});
}

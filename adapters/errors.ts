/** Stable codes of the errors raised by the adapters; callers branch on `code`, never on text. */
export type AdapterErrorCode =
  | 'CONFLICT'
  | 'INSTANCE_NOT_FOUND'
  | 'DEFINITION_NOT_FOUND'
  | 'DEFINITION_CONFLICT'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'BUSINESS_KEY_TAKEN'
  | 'UNSTORABLE_TEXT'
  | 'SCHEMA_NEWER_THAN_CODE'
  | 'MIGRATION_MISMATCH'
  | 'RUNTIME_CLOSED';

/** Base class of every error the adapters throw on purpose. Messages are zh-CN first, English after. */
export class AdapterError extends Error {
  readonly code: AdapterErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: AdapterErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AdapterError';
    this.code = code;
    this.details = details;
  }
}

/** Another command changed the instance first; retry against `currentVersion`. */
export class ConflictError extends AdapterError {
  readonly instanceId: string;
  readonly currentVersion: number;
  readonly expectedVersion: number;

  constructor(instanceId: string, expectedVersion: number, currentVersion: number) {
    super(
      'CONFLICT',
      `实例 ${instanceId} 已被其他命令修改（期望版本 ${expectedVersion}，当前版本 ${currentVersion}） ` +
        `instance ${instanceId} was changed by another command (expected version ${expectedVersion}, current ${currentVersion})`,
      { instanceId, expectedVersion, currentVersion },
    );
    this.name = 'ConflictError';
    this.instanceId = instanceId;
    this.currentVersion = currentVersion;
    this.expectedVersion = expectedVersion;
  }
}

/** Type guard on the stable code, so callers need not import the class. */
export function isAdapterError(error: unknown, code?: AdapterErrorCode): error is AdapterError {
  return error instanceof AdapterError && (code === undefined || error.code === code);
}

/** True for a `ConflictError` (code `CONFLICT`). */
export function isConflictError(error: unknown): error is ConflictError {
  return isAdapterError(error, 'CONFLICT');
}

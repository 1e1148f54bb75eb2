/** Stable error codes raised by the engine. Callers branch on `code`, never on message text. */
export type EngineErrorCode =
  | 'UNKNOWN_EVENT'
  | 'EVENT_NOT_ALLOWED'
  | 'FORBIDDEN'
  | 'INVALID_PAYLOAD'
  | 'INVALID_DATA'
  | 'GUARD_REJECTED'
  | 'EXPRESSION_ERROR'
  | 'INSTANCE_DONE'
  | 'UNKNOWN_TASK'
  | 'TASK_NOT_OPEN'
  | 'EXTENSION_LIMIT'
  | 'INVALID_SNAPSHOT'
  | 'DEFINITION_MISMATCH';

/** One problem found while loading a definition, positioned in its YAML source. */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  /** Dotted path inside the document, e.g. `states.review.on.approve`. */
  path: string;
  message: string;
}

/** `file:line:col path: message`, the one format every tool prints. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}${d.path ? ` ${d.path}` : ''}: ${d.message}`;
}

/** Base class of every error the engine throws on purpose. */
export class EngineError extends Error {
  readonly code: EngineErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: EngineErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineError';
    this.code = code;
    this.details = details;
  }
}

/** Raised by `loadDefinitions` callers that want an exception instead of a diagnostic list. */
export class DefinitionError extends Error {
  readonly code = 'INVALID_DEFINITION';
  readonly diagnostics: Diagnostic[];

  constructor(diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'DefinitionError';
    this.diagnostics = diagnostics;
  }
}

export function isEngineError(error: unknown): error is EngineError {
  return error instanceof EngineError;
}

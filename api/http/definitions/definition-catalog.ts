import type { Kysely } from 'kysely';
import { getDefinition } from '../../../adapters/queries/definitions.ts';
import type { Runtime } from '../../../adapters/runtime/runtime.ts';
import type { Database } from '../../../adapters/storage/database.ts';
import type { Calendar } from '../../../engine/calendar/types.ts';
import { loadDefinitions, type CompiledDefinition, type DefinitionSource, type Diagnostic } from '../../../engine/index.ts';
import { parseSource } from '../../../engine/load/source-document.ts';

/** The file name diagnostics of a submitted definition carry. */
export const SUBMITTED_FILE = 'definition.yaml';

export interface CheckResult {
  /** Present when the document checked clean and is a process (not a template). */
  definition?: CompiledDefinition;
  /** Set when the document is a template that checked clean. */
  template?: string;
  diagnostics: Diagnostic[];
}

/**
 * Published definitions as the API needs them: compiled on demand (from memory or the table),
 * and new YAML checked against the server's templates and calendars.
 */
export class DefinitionCatalog {
  readonly #db: Kysely<Database>;
  readonly #runtime: Runtime;
  readonly #calendars: ReadonlyMap<string, Calendar>;
  readonly #templates: ReadonlyArray<{ id: unknown; source: DefinitionSource }>;

  constructor(options: { db: Kysely<Database>; runtime: Runtime; calendars: ReadonlyMap<string, Calendar>; templates: readonly DefinitionSource[] }) {
    this.#db = options.db;
    this.#runtime = options.runtime;
    this.#calendars = options.calendars;
    this.#templates = options.templates.map((source) => ({ id: idOf(parseSource(source.path, source.text).doc?.value), source }));
  }

  /**
   * Checks one YAML document with the server's templates. Pure apart from reading held state;
   * never throws: problems come back as diagnostics positioned in `definition.yaml`.
   */
  check(text: string): CheckResult {
    const parsed = parseSource(SUBMITTED_FILE, text);
    if (!parsed.doc) return { diagnostics: parsed.diagnostics };
    const value = parsed.doc.value;
    const isTemplate = isRecord(value) && value['kind'] === 'template';
    // Only the template the document extends takes part (a submitted template stands alone).
    const extended = isRecord(value) && !isTemplate ? value['extends'] : undefined;
    const templates = extended === undefined ? [] : this.#templates.filter((t) => t.id === extended).map((t) => t.source);
    const result = loadDefinitions([{ path: SUBMITTED_FILE, text }, ...templates], { calendars: this.#calendars });
    const diagnostics = result.diagnostics.filter((d) => d.file === SUBMITTED_FILE);
    const definition = result.definitions.find((d) => d.file === SUBMITTED_FILE);
    const templateId = idOf(value);
    return {
      ...(definition && diagnostics.length === 0 ? { definition } : {}),
      ...(isTemplate && diagnostics.length === 0 && typeof templateId === 'string' ? { template: templateId } : {}),
      diagnostics,
    };
  }

  /** The compiled form of a published version. @throws AdapterError `DEFINITION_NOT_FOUND`. */
  compiled(id: string, version: number): Promise<CompiledDefinition> {
    return this.#runtime.registry.resolve(this.#db, id, version);
  }

  /** The newest published version of `id`, compiled; `undefined` when none. */
  async latest(id: string): Promise<CompiledDefinition | undefined> {
    const row = await getDefinition(this.#db, id);
    return row ? this.compiled(row.id, row.version) : undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function idOf(value: unknown): unknown {
  return isRecord(value) ? value['id'] : undefined;
}

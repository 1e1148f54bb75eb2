import { createHash } from 'node:crypto';
import { canonicalJson } from '../audit/canonical-json.ts';
import { AdapterError } from '../errors.ts';
import type { Executor } from '../storage/database.ts';
import { jsonb } from '../storage/jsonb.ts';
import type { Actor, CompiledDefinition } from './engine-port.ts';

/** A published definition row, as `compileStored` receives it. */
export interface StoredDefinition {
  id: string;
  version: number;
  source: string;
  resolved: unknown;
  hash: string;
}

/** SM3 over canonical JSON of `{id, version, source, resolved}`, lower-case hex. Pure. */
export function definitionHash(def: Pick<CompiledDefinition, 'id' | 'version' | 'source' | 'resolved'>): string {
  const text = canonicalJson({ id: def.id, version: def.version, source: def.source, resolved: def.resolved });
  return createHash('sm3').update(text, 'utf8').digest('hex');
}

const keyOf = (id: string, version: number) => `${id}@${version}`;

/**
 * Published definitions by id and version. Publishing is idempotent for identical content and
 * refused for a version that was published with other content: published versions are immutable.
 * Versions not held in memory are loaded from the table and compiled with `compileStored`.
 */
export class DefinitionRegistry {
  readonly #byKey = new Map<string, CompiledDefinition>();
  readonly #compileStored: ((row: StoredDefinition) => CompiledDefinition) | undefined;

  constructor(compileStored?: (row: StoredDefinition) => CompiledDefinition) {
    this.#compileStored = compileStored;
  }

  /**
   * Records `def` in `definitions` (if new) and holds it for commands.
   * @throws AdapterError `DEFINITION_CONFLICT` when this id and version hold other content.
   */
  async publish(executor: Executor, def: CompiledDefinition, publishedBy: Actor, now: number): Promise<{ hash: string; created: boolean }> {
    const hash = definitionHash(def);
    const inserted = await executor
      .insertInto('definitions')
      .values({
        id: def.id,
        version: def.version,
        title: jsonb(def.title),
        department: def.department || null,
        source: def.source,
        resolved: jsonb(def.resolved),
        hash,
        hash_alg: 'sm3',
        published_by: jsonb(publishedBy),
        published_at: new Date(now),
      })
      .onConflict((oc) => oc.columns(['id', 'version']).doNothing())
      .returning('hash')
      .executeTakeFirst();
    if (!inserted) {
      const existing = await executor
        .selectFrom('definitions')
        .select('hash')
        .where('id', '=', def.id)
        .where('version', '=', def.version)
        .executeTakeFirstOrThrow();
      if (existing.hash !== hash) {
        throw new AdapterError(
          'DEFINITION_CONFLICT',
          `${def.id} 第 ${def.version} 版已以不同内容发布，请提升版本号 ${def.id} version ${def.version} was published with other content; raise the version`,
          { id: def.id, version: def.version, published: existing.hash, offered: hash },
        );
      }
    }
    this.#byKey.set(keyOf(def.id, def.version), def);
    return { hash, created: inserted !== undefined };
  }

  /** The definition held in memory, if published through this registry. */
  get(id: string, version: number): CompiledDefinition | undefined {
    return this.#byKey.get(keyOf(id, version));
  }

  /**
   * The definition an instance is pinned to: from memory, else from the table.
   * @throws AdapterError `DEFINITION_NOT_FOUND` when it is neither held nor stored (or cannot be compiled here).
   */
  async resolve(executor: Executor, id: string, version: number): Promise<CompiledDefinition> {
    const held = this.get(id, version);
    if (held) return held;
    const row = await executor
      .selectFrom('definitions')
      .select(['id', 'version', 'source', 'resolved', 'hash'])
      .where('id', '=', id)
      .where('version', '=', version)
      .executeTakeFirst();
    if (!row || !this.#compileStored) {
      throw new AdapterError('DEFINITION_NOT_FOUND', `未找到流程定义 ${id} 第 ${version} 版 definition ${id} version ${version} not found`, { id, version });
    }
    const compiled = this.#compileStored(row);
    this.#byKey.set(keyOf(id, version), compiled);
    return compiled;
  }
}

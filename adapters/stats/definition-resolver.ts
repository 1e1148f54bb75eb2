import { AdapterError } from '../errors.ts';
import { definitionHash } from '../runtime/definition-registry.ts';
import type { CompiledDefinition } from '../runtime/engine-port.ts';
import type { Executor } from '../storage/database.ts';

/** Finds the compiled definition an instance is pinned to. The runtime's `DefinitionRegistry` is one. */
export interface DefinitionResolver {
  resolve(executor: Executor, id: string, version: number): Promise<CompiledDefinition>;
}

/**
 * Resolves published definitions from definitions compiled from files, each used only when its
 * hash equals the published row's (the same content), else from `fallback` — for `stats rebuild`
 * in a process that did not publish them.
 */
export function resolverFromFiles(compiled: readonly CompiledDefinition[], fallback?: DefinitionResolver): DefinitionResolver {
  const byKey = new Map(compiled.map((d) => [`${d.id}@${d.version}`, d]));
  const checked = new Map<string, Promise<CompiledDefinition>>();
  const lookup = async (executor: Executor, id: string, version: number): Promise<CompiledDefinition> => {
    const row = await executor.selectFrom('definitions').select('hash').where('id', '=', id).where('version', '=', version).executeTakeFirst();
    const file = byKey.get(`${id}@${version}`);
    if (row && file && definitionHash(file) === row.hash) return file;
    if (fallback) return fallback.resolve(executor, id, version);
    throw new AdapterError('DEFINITION_NOT_FOUND', `未找到与已发布内容一致的流程定义 ${id} 第 ${version} 版 no definition file matches published ${id}@${version}`, { id, version });
  };
  return {
    resolve(executor, id, version) {
      const key = `${id}@${version}`;
      let found = checked.get(key);
      if (!found) {
        found = lookup(executor, id, version);
        // A failed lookup is not remembered: the next batch tries again.
        found.catch(() => checked.delete(key));
        checked.set(key, found);
      }
      return found;
    },
  };
}

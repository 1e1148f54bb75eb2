import YAML from 'yaml';
import type { Calendar } from '../../engine/calendar/types.ts';
import { formatDiagnostic, loadDefinitions } from '../../engine/index.ts';
import { AdapterError } from '../errors.ts';
import type { StoredDefinition } from './definition-registry.ts';
import type { CompiledDefinition } from './engine-port.ts';

/**
 * Compiles a published definition from its stored `resolved` form (templates already expanded),
 * for instances pinned to a version this process did not load from files. The result keeps the
 * stored source text. Returns a function for `createRuntime({ compileStored })`.
 */
export function compileStoredWith(calendars: ReadonlyMap<string, Calendar>): (row: StoredDefinition) => CompiledDefinition {
  return (row) => {
    const { extends: _template, kind: _kind, ...standalone } = row.resolved as Record<string, unknown>;
    const path = `definitions/${row.id}@${row.version}`;
    const { definitions, diagnostics } = loadDefinitions([{ path, text: YAML.stringify(standalone) }], { calendars });
    const compiled = definitions[0];
    if (!compiled || diagnostics.length > 0) {
      throw new AdapterError(
        'DEFINITION_NOT_FOUND',
        `已发布的定义 ${row.id}@${row.version} 无法在此编译 published definition ${row.id}@${row.version} does not compile here:\n` +
          diagnostics.map(formatDiagnostic).join('\n'),
        { id: row.id, version: row.version },
      );
    }
    return { ...compiled, source: row.source };
  };
}

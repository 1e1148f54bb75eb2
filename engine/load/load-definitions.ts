import type { Calendar } from '../calendar/types.ts';
import { compileDefinition, type CompiledDefinition } from '../compile/compile-definition.ts';
import type { DefinitionDoc } from '../dsl/types.ts';
import type { Diagnostic } from '../errors.ts';
import { checkReferences } from './check-references.ts';
import { checkStructure, known, type Report } from './check-structure.ts';
import { expandTemplate, locateIn, type Located } from './resolve-template.ts';
import { checkSchema } from './schema-check.ts';
import { parseSource } from './source-document.ts';
import { flattenStates, transitionSites } from './state-tree.ts';

export interface DefinitionSource {
  path: string;
  text: string;
}

export interface LoadEnvironment {
  calendars: ReadonlyMap<string, Calendar>;
}

export interface LoadResult {
  definitions: CompiledDefinition[];
  /** Templates that checked clean, by id. */
  templates: string[];
  diagnostics: Diagnostic[];
}

/**
 * Parses, checks and compiles a set of definitions that may extend templates in the same set.
 * Pure and total: every problem is returned as a positioned diagnostic, nothing is thrown.
 */
export function loadDefinitions(sources: DefinitionSource[], env: LoadEnvironment): LoadResult {
  const diagnostics: Diagnostic[] = [];
  const located: Located[] = [];
  for (const source of sources) {
    const parsed = parseSource(source.path, source.text);
    diagnostics.push(...parsed.diagnostics);
    if (!parsed.doc) continue;
    if (parsed.doc.value === null || typeof parsed.doc.value !== 'object' || Array.isArray(parsed.doc.value)) {
      diagnostics.push({ file: source.path, line: 1, col: 1, path: '', message: '定义必须是映射 a definition must be a YAML mapping' });
      continue;
    }
    const schemaErrors = checkSchema(parsed.doc);
    diagnostics.push(...schemaErrors);
    if (schemaErrors.length === 0) located.push({ doc: parsed.doc, def: parsed.doc.value as DefinitionDoc });
  }

  const seen = new Map<string, Located>();
  const templates = new Map<string, Located>();
  const unique: Located[] = [];
  for (const item of located) {
    const key = `${item.def.id}@${item.def.version}`;
    const first = seen.get(key);
    if (first) {
      diagnostics.push({
        ...locateIn([{ prefix: [], doc: item.doc, sourcePrefix: [] }], ['id']),
        message: `重复的定义 duplicate id '${item.def.id}' version ${item.def.version}; also defined in ${first.doc.file}`,
      });
      continue;
    }
    seen.set(key, item);
    unique.push(item);
    if (item.def.kind === 'template') {
      const prev = templates.get(item.def.id);
      if (!prev || prev.def.version < item.def.version) templates.set(item.def.id, item);
    }
  }

  const definitions: CompiledDefinition[] = [];
  const cleanTemplates: string[] = [];
  for (const item of unique) {
    const own: Diagnostic[] = [];
    let template: Located | undefined;
    if (item.def.extends) {
      template = templates.get(item.def.extends);
      if (!template) {
        own.push({
          ...locateIn([{ prefix: [], doc: item.doc, sourcePrefix: [] }], ['extends']),
          message: `未知模板 unknown template '${item.def.extends}'; templates: ${known(templates.keys()) || '(none)'}`,
        });
        diagnostics.push(...own);
        continue;
      }
    }
    if (item.def.kind === 'template' && item.def.extends) {
      own.push({ ...locateIn([{ prefix: [], doc: item.doc, sourcePrefix: [] }], ['extends']), message: '模板不能继承模板 a template cannot extend another template' });
    }
    if (item.def.kind !== 'template' && !item.def.department) {
      own.push({ ...locateIn([{ prefix: [], doc: item.doc, sourcePrefix: [] }], ['id']), message: "缺少主管部门 missing 'department': a process belongs to a department" });
    }
    const expanded = expandTemplate(item, template, own);
    if (own.length > 0) {
      diagnostics.push(...own);
      continue;
    }
    const report: Report = (path, message, key) => own.push({ ...locateIn(expanded.origins, path, key), message });
    const nodes = flattenStates(expanded.def.states ?? {}, (node, first) =>
      report(node.path, `状态名重复 state name '${node.name}' is already used at ${first.path.join('.')}; state names are unique in a definition`, true),
    );
    const sites = transitionSites(nodes);
    checkStructure(expanded.def, nodes, sites, report);
    checkReferences(expanded.def, nodes, sites, expanded.params, env.calendars, report);
    diagnostics.push(...own);
    if (own.length > 0) continue;
    if (item.def.kind === 'template') {
      cleanTemplates.push(item.def.id);
      continue;
    }
    definitions.push(
      compileDefinition({
        def: expanded.def,
        params: expanded.params,
        nodes,
        sites,
        source: item.doc.text,
        file: item.doc.file,
        template: template ? { id: template.def.id, version: template.def.version } : undefined,
        calendars: env.calendars,
      }),
    );
  }
  diagnostics.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
  return { definitions, templates: cleanTemplates, diagnostics };
}

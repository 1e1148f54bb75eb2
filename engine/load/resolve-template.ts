import type { Diagnostic } from '../errors.ts';
import type { DefinitionDoc, HookSpec, ParamSpec, StateSpec } from '../dsl/types.ts';
import type { PathSegment, SourceDocument } from './source-document.ts';

/** Maps a path in an expanded definition to the source it came from. */
export interface Origin {
  prefix: PathSegment[];
  doc: SourceDocument;
  sourcePrefix: PathSegment[];
}

export interface Located {
  doc: SourceDocument;
  def: DefinitionDoc;
}

export interface Expanded {
  def: DefinitionDoc;
  /** Parameter values after defaults, as the definition's guards see them. */
  params: Record<string, unknown>;
  origins: Origin[];
}

const PARAM_WHOLE = /^\$\{params\.([A-Za-z][A-Za-z0-9]*)\}$/;
const PARAM_ANY = /\$\{params\.([A-Za-z][A-Za-z0-9]*)\}/g;
const DURATION = /^(0|[1-9][0-9]{0,5})(wd|d|h|min)$/;

/** Where a diagnostic about `path` in the expanded definition should point. */
export function locateIn(origins: Origin[], path: PathSegment[], key = false): Omit<Diagnostic, 'message'> {
  let best: Origin | undefined;
  for (const origin of origins) {
    const matches = origin.prefix.every((seg, i) => path[i] === seg);
    if (matches && (!best || origin.prefix.length > best.prefix.length)) best = origin;
  }
  const origin = best ?? origins[0]!;
  const sourcePath = [...origin.sourcePrefix, ...path.slice(origin.prefix.length)];
  const pos = origin.doc.locate(sourcePath, key);
  return { file: origin.doc.file, line: pos.line, col: pos.col, path: path.join('.') };
}

/**
 * Expands `item extends template`: checks and substitutes parameters, fills hooks and merges
 * the item's additions. Pure. Problems are appended to `diagnostics`.
 */
export function expandTemplate(item: Located, template: Located | undefined, diagnostics: Diagnostic[]): Expanded {
  if (!template) {
    // A process without a template (e.g. a published definition stored expanded) gives its parameter values directly.
    const params = item.def.kind === 'template' ? placeholderParams(item.def.params ?? {}) : (item.def.params ?? {});
    const origins: Origin[] = [{ prefix: [], doc: item.doc, sourcePrefix: [] }];
    if (item.def.kind !== 'template') return { def: item.def, params, origins };
    const def = substitute(item.def, params, [], item, diagnostics) as DefinitionDoc;
    if (def.states) def.states = fillHooks(def.states, ['states'], {}, item, origins, diagnostics);
    return { def, params, origins };
  }
  const declared = (template.def.params ?? {}) as Record<string, ParamSpec>;
  const params = resolveParams(item, template.def.id, declared, diagnostics);
  const base = substitute(withoutParams(template.def), params, [], template, diagnostics) as DefinitionDoc;
  const origins: Origin[] = [{ prefix: [], doc: template.doc, sourcePrefix: [] }];
  const own = item.def;
  for (const key of ['kind', 'id', 'version', 'extends', 'title', 'description', 'department', 'region', 'calendar', 'fees', 'category'] as const) {
    if (own[key] !== undefined) origins.push({ prefix: [key], doc: item.doc, sourcePrefix: [key] });
  }
  const def: DefinitionDoc = {
    ...base,
    kind: 'process',
    id: own.id,
    version: own.version,
    extends: own.extends,
    title: own.title,
    description: own.description ?? base.description,
    department: own.department ?? base.department,
    region: own.region ?? base.region,
    category: own.category ?? base.category,
    calendar: own.calendar ?? base.calendar,
    fees: own.fees ?? base.fees,
    basis: [...(base.basis ?? []), ...(own.basis ?? [])],
    materials: [...(base.materials ?? []), ...(own.materials ?? [])],
    params,
    data: mergeData(base.data, own.data),
    events: mergeNamed('events', base.events, own.events, item, origins, diagnostics, template.def.id),
    clocks: mergeNamed('clocks', base.clocks, own.clocks, item, origins, diagnostics, template.def.id, true),
    states: base.states ? fillHooks(base.states, ['states'], own.hooks ?? {}, item, origins, diagnostics) : undefined,
  };
  delete def.hooks;
  for (const [i] of (own.basis ?? []).entries()) {
    origins.push({ prefix: ['basis', (base.basis?.length ?? 0) + i], doc: item.doc, sourcePrefix: ['basis', i] });
  }
  for (const [i] of (own.materials ?? []).entries()) {
    origins.push({ prefix: ['materials', (base.materials?.length ?? 0) + i], doc: item.doc, sourcePrefix: ['materials', i] });
  }
  if (own.data) origins.push({ prefix: ['data'], doc: item.doc, sourcePrefix: ['data'] });
  const unknownHooks = Object.keys(own.hooks ?? {}).filter((h) => !hookNames(base.states ?? {}).includes(h));
  for (const hook of unknownHooks) {
    diagnostics.push({
      ...locateIn([{ prefix: [], doc: item.doc, sourcePrefix: [] }], ['hooks', hook], true),
      message: `未知扩展点 unknown hook '${hook}'; template '${template.def.id}' offers: ${hookNames(base.states ?? {}).join(', ') || '(none)'}`,
    });
  }
  return { def, params, origins };
}

function withoutParams(def: DefinitionDoc): DefinitionDoc {
  const { params: _params, ...rest } = def;
  return rest;
}

function resolveParams(item: Located, templateId: string, declared: Record<string, ParamSpec>, diagnostics: Diagnostic[]): Record<string, unknown> {
  const given = item.def.params ?? {};
  const here = (path: PathSegment[], key = false) => locateIn([{ prefix: [], doc: item.doc, sourcePrefix: [] }], path, key);
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(given)) {
    if (!(name in declared)) {
      diagnostics.push({ ...here(['params', name], true), message: `未知参数 unknown parameter '${name}'; template '${templateId}' declares: ${Object.keys(declared).join(', ')}` });
    }
  }
  for (const [name, spec] of Object.entries(declared)) {
    const value = name in given ? given[name] : spec.default;
    if (value === undefined) {
      if (spec.required !== false) {
        diagnostics.push({ ...here(item.def.params ? ['params'] : ['extends'], true), message: `缺少参数 missing parameter '${name}' (${spec.type}) required by template '${templateId}'` });
      }
      continue;
    }
    const problem = checkParam(spec, value);
    if (problem) diagnostics.push({ ...here(['params', name]), message: `参数类型错误 parameter '${name}': ${problem}` });
    out[name] = value;
  }
  return out;
}

/** Describes why `value` does not fit `spec`, or returns undefined. */
export function checkParam(spec: ParamSpec, value: unknown): string | undefined {
  switch (spec.type) {
    case 'duration':
      return typeof value === 'string' && DURATION.test(value) ? undefined : `expected a duration such as 20wd, 5d, 36h or 5min, got ${JSON.stringify(value)}`;
    case 'integer':
      return Number.isInteger(value) ? undefined : `expected an integer, got ${JSON.stringify(value)}`;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : `expected a number, got ${JSON.stringify(value)}`;
    case 'string':
      return typeof value === 'string' ? undefined : `expected a string, got ${JSON.stringify(value)}`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `expected true or false, got ${JSON.stringify(value)}`;
    case 'enum':
      return typeof value === 'string' && (spec.values ?? []).includes(value) ? undefined : `expected one of: ${(spec.values ?? []).join(', ')}; got ${JSON.stringify(value)}`;
    case 'list': {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return `expected a list of strings, got ${JSON.stringify(value)}`;
      const bad = spec.values ? value.filter((v) => !spec.values!.includes(v as string)) : [];
      return bad.length > 0 ? `unknown values ${bad.join(', ')}; allowed: ${spec.values!.join(', ')}` : undefined;
    }
  }
}

/** Values used to check a template on its own: defaults, or a typed placeholder. */
function placeholderParams(declared: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(declared)) {
    const spec = raw as ParamSpec;
    const placeholder = { duration: '1wd', integer: 1, number: 1, string: name, boolean: false, list: [], enum: spec.values?.[0] ?? '' }[spec.type];
    out[name] = spec.default ?? placeholder;
  }
  return out;
}

function substitute(value: unknown, params: Record<string, unknown>, path: PathSegment[], src: Located, diagnostics: Diagnostic[]): unknown {
  if (typeof value === 'string') {
    const whole = PARAM_WHOLE.exec(value);
    if (whole) return paramValue(whole[1]!, params, path, src, diagnostics);
    if (!value.includes('${params.')) return value;
    return value.replace(PARAM_ANY, (_m, name: string) => {
      const v = paramValue(name, params, path, src, diagnostics);
      return Array.isArray(v) ? v.join(', ') : String(v ?? '');
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, params, [...path, i], src, diagnostics));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (path.length === 0 && k === 'params') out[k] = v;
      else out[k] = substitute(v, params, [...path, k], src, diagnostics);
    }
    return out;
  }
  return value;
}

function paramValue(name: string, params: Record<string, unknown>, path: PathSegment[], src: Located, diagnostics: Diagnostic[]): unknown {
  if (name in params) return params[name];
  const declared = Object.keys(src.def.params ?? {});
  if (src.def.kind === 'template' && !declared.includes(name)) {
    const pos = locateIn([{ prefix: [], doc: src.doc, sourcePrefix: [] }], path);
    diagnostics.push({ ...pos, message: `未声明的参数 undeclared parameter '${name}'; declared: ${declared.join(', ') || '(none)'}` });
  }
  return undefined;
}

function mergeData(base: Record<string, unknown> | undefined, own: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!own) return base;
  if (!base) return own;
  const props = { ...((base.properties as object) ?? {}), ...((own.properties as object) ?? {}) };
  const required = [...new Set([...((base.required as string[]) ?? []), ...((own.required as string[]) ?? [])])];
  return { ...base, ...own, properties: props, ...(required.length ? { required } : {}) };
}

function mergeNamed<T>(
  field: 'events' | 'clocks',
  base: Record<string, T> | undefined,
  own: Record<string, T> | undefined,
  item: Located,
  origins: Origin[],
  diagnostics: Diagnostic[],
  templateId: string,
  mayOverride = false,
): Record<string, T> | undefined {
  if (!own) return base;
  for (const name of Object.keys(own)) {
    if (base && name in base && !mayOverride) {
      diagnostics.push({
        ...locateIn([{ prefix: [], doc: item.doc, sourcePrefix: [] }], [field, name], true),
        message: `重复定义 '${name}' is already defined by template '${templateId}'; choose another name`,
      });
    }
    origins.push({ prefix: [field, name], doc: item.doc, sourcePrefix: [field, name] });
  }
  return { ...(base ?? {}), ...own };
}

function hookNames(states: Record<string, StateSpec>): string[] {
  const names: string[] = [];
  for (const state of Object.values(states)) {
    if (state.hook) names.push(state.hook);
    if (state.states) names.push(...hookNames(state.states));
  }
  return names;
}

function fillHooks(
  states: Record<string, StateSpec>,
  path: PathSegment[],
  hooks: Record<string, HookSpec>,
  item: Located,
  origins: Origin[],
  diagnostics: Diagnostic[],
): Record<string, StateSpec> {
  const out: Record<string, StateSpec> = {};
  for (const [name, state] of Object.entries(states)) {
    const here = [...path, name];
    if (state.hook) {
      const fill = hooks[state.hook];
      const { hook: _hook, next, ...rest } = state;
      if (fill) {
        origins.push({ prefix: [...here, 'states'], doc: item.doc, sourcePrefix: ['hooks', state.hook, 'states'] });
        origins.push({ prefix: [...here, 'initial'], doc: item.doc, sourcePrefix: ['hooks', state.hook, 'initial'] });
        out[name] = { ...rest, initial: fill.initial, states: fill.states, ...(next ? { 'on-done': { target: next } } : {}) };
      } else {
        out[name] = { ...rest, ...(next ? { always: { target: next } } : {}) };
      }
      continue;
    }
    out[name] = state.states ? { ...state, states: fillHooks(state.states, [...here, 'states'], hooks, item, origins, diagnostics) } : state;
  }
  return out;
}

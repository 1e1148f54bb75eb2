import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import processSchema from '../dsl/process.schema.json' with { type: 'json' };
import type { Diagnostic } from '../errors.ts';
import type { PathSegment, SourceDocument } from './source-document.ts';

const PARAM_REF_PATTERN = '^\\$\\{params\\.[A-Za-z][A-Za-z0-9]*\\}$';

let validator: ValidateFunction | undefined;

function getValidator(): ValidateFunction {
  validator ??= new Ajv2020({ allErrors: true, strict: false, verbose: true }).compile(processSchema);
  return validator;
}

/** Checks a parsed definition against `process.schema.json`; errors carry YAML positions. Pure. */
export function checkSchema(doc: SourceDocument): Diagnostic[] {
  return checkAgainst(doc, getValidator());
}

/** Checks a parsed document against any compiled schema, mapping errors to YAML positions. Pure. */
export function checkAgainst(doc: SourceDocument, validate: ValidateFunction): Diagnostic[] {
  if (validate(doc.value)) return [];
  const errors = relevantErrors(validate.errors ?? []);
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const error of errors) {
    const path = pointerToPath(error.instancePath);
    const { message, keyPath, atKey } = describe(error, path);
    const pos = doc.locate(keyPath, atKey);
    const d: Diagnostic = { file: doc.file, line: pos.line, col: pos.col, path: keyPath.join('.'), message };
    const id = `${d.path}|${d.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(d);
  }
  return out.sort((a, b) => a.line - b.line || a.col - b.col);
}

export function pointerToPath(pointer: string): PathSegment[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** Drops the noise of alternatives (anyOf/oneOf) when a more specific error explains the failure. */
function relevantErrors(errors: ErrorObject[]): ErrorObject[] {
  const specific = errors.filter((e) => !['anyOf', 'oneOf', 'if', 'propertyNames'].includes(e.keyword));
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of specific) byPath.set(e.instancePath, [...(byPath.get(e.instancePath) ?? []), e]);
  const kept = specific.filter((e) => {
    const atPath = byPath.get(e.instancePath) ?? [];
    const deeper = specific.some((o) => o.instancePath.startsWith(`${e.instancePath}/`));
    if (e.keyword === 'type' && (deeper || atPath.some((o) => o.keyword !== 'type'))) return false;
    if (e.keyword === 'pattern' && e.params.pattern === PARAM_REF_PATTERN && atPath.length > 1) return false;
    if (e.keyword === 'const' && atPath.length > 1) return false;
    if (e.keyword === 'required' && e.schemaPath.includes('/oneOf/')) return false;
    return true;
  });
  const oneOfRung = errors.find((e) => e.keyword === 'oneOf' && e.schemaPath.includes('ladderRung'));
  if (oneOfRung && !kept.some((e) => e.instancePath === oneOfRung.instancePath)) kept.push(oneOfRung);
  return kept.length > 0 ? kept : errors.slice(0, 1);
}

function describe(error: ErrorObject, path: PathSegment[]): { message: string; keyPath: PathSegment[]; atKey: boolean } {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return { message: `未知字段 unknown key '${key}'; allowed: ${allowed.join(', ')}`, keyPath: [...path, key], atKey: true };
    }
    case 'required':
      return { message: `缺少必填字段 missing required key '${String(params.missingProperty)}'`, keyPath: path, atKey: false };
    case 'enum':
      return { message: `值无效 invalid value; allowed: ${(params.allowedValues as unknown[]).join(', ')}`, keyPath: path, atKey: false };
    case 'pattern': {
      const propertyName = (error as ErrorObject & { propertyName?: string }).propertyName;
      if (propertyName !== undefined) {
        return { message: `'${propertyName}': ${patternMessage(String(params.pattern))}`, keyPath: [...path, propertyName], atKey: true };
      }
      return { message: patternMessage(String(params.pattern)), keyPath: path, atKey: false };
    }
    case 'type':
      return { message: `类型错误 must be ${String(params.type)}`, keyPath: path, atKey: false };
    case 'oneOf':
      return { message: '预警档位需且仅需一个阈值 a ladder rung needs exactly one of: remaining, overdue, consumed', keyPath: path, atKey: false };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'minItems':
    case 'minLength':
    case 'maxLength':
      return { message: `值超出范围 out of range: ${error.message ?? ''}`, keyPath: path, atKey: false };
    default:
      return { message: `${error.keyword}: ${error.message ?? 'invalid'}`, keyPath: path, atKey: false };
  }
}

function patternMessage(pattern: string): string {
  if (pattern.includes('(wd|d|h|min)')) {
    return '时限格式错误 not a duration; write N followed by a unit: wd (working days), d (natural days), h (hours), min (minutes), e.g. 20wd';
  }
  if (pattern.startsWith('^[a-z][a-z0-9]*(-')) return '名称格式错误 not a valid name; use kebab-case: lower-case letters, digits and single hyphens';
  if (pattern.startsWith('^[a-z][a-z0-9]*([-.]')) return '事件名格式错误 not a valid event name; use lower-case letters, digits, hyphens and dots';
  return `格式错误 must match ${pattern}`;
}

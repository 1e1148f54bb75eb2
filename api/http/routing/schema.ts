import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { ApiError, type ErrorDetail } from '../api-error.ts';

/** A JSON Schema (2020-12) as plain data; the same object goes into the OpenAPI document. */
export type JsonSchema = Record<string, unknown>;

/** A named schema with its compiled check. `T` is what a value that passes looks like. */
export interface Schema<T> {
  name: string;
  schema: JsonSchema;
  /** Returns the value as `T`, or throws `ApiError('VALIDATION_FAILED')` listing what is wrong. */
  check(value: unknown): T;
}

const options = { allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true } as const;
const bodyAjv = new Ajv2020(options);
// Query strings carry text only: integers and booleans are coerced from it, nothing else is.
const queryAjv = new Ajv2020({ ...options, coerceTypes: true, useDefaults: true });
for (const ajv of [bodyAjv, queryAjv]) (addFormats as unknown as (a: Ajv2020) => void)(ajv);

const MAX_DETAILS = 20;

function describe(errors: ErrorObject[] | null | undefined): ErrorDetail[] {
  return (errors ?? []).slice(0, MAX_DETAILS).map((e) => {
    const params = e.params as Record<string, unknown>;
    let message = e.message ?? 'invalid';
    if (e.keyword === 'additionalProperties') message = `不允许的字段 unknown field '${String(params['additionalProperty'])}'`;
    else if (e.keyword === 'required') message = `缺少字段 missing field '${String(params['missingProperty'])}'`;
    else if (e.keyword === 'enum') message = `取值应为 must be one of: ${(params['allowedValues'] as unknown[]).join(', ')}`;
    return { path: e.instancePath || '/', message };
  });
}

function make<T>(ajv: Ajv2020, name: string, schema: JsonSchema, what: string): Schema<T> {
  const validate: ValidateFunction = ajv.compile(schema);
  return {
    name,
    schema,
    check(value: unknown): T {
      if (validate(value)) return value as T;
      throw new ApiError('VALIDATION_FAILED', `${what}无效 invalid ${what === '请求体' ? 'request body' : 'query'}`, describe(validate.errors));
    },
  };
}

/** A request body schema. Bodies are objects with `additionalProperties: false` unless stated. */
export function bodySchema<T>(name: string, schema: JsonSchema): Schema<T> {
  return make<T>(bodyAjv, name, schema, '请求体');
}

/** A query-string schema; values arrive as strings and are coerced to the declared types. */
export function querySchema<T>(name: string, schema: JsonSchema): Schema<T> {
  return make<T>(queryAjv, name, schema, '查询参数');
}

import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/** One validator factory for instance data and event payloads. Unknown keywords are refused. */
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, strictTypes: false, allowUnionTypes: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
ajv.addVocabulary(['x-zh', 'x-mask']);

const cache = new WeakMap<object, ValidateFunction>();

/** Compiles (once per schema object) a validator; throws ajv's error if the schema is invalid. */
export function validatorFor(schema: Record<string, unknown>): ValidateFunction {
  let fn = cache.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    cache.set(schema, fn);
  }
  return fn;
}

/** ajv errors as `{ path, message }` pairs a user can act on. */
export function describeErrors(fn: ValidateFunction): Array<{ path: string; message: string }> {
  return (fn.errors ?? []).map((e) => {
    const params = e.params as Record<string, unknown>;
    let message = e.message ?? 'invalid';
    if (e.keyword === 'additionalProperties') message = `unknown field '${String(params.additionalProperty)}'`;
    if (e.keyword === 'required') message = `missing field '${String(params.missingProperty)}'`;
    if (e.keyword === 'enum') message = `must be one of: ${(params.allowedValues as unknown[]).join(', ')}`;
    return { path: e.instancePath || '/', message };
  });
}

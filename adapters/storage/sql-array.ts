import { sql, type RawBuilder } from 'kysely';

/** A PostgreSQL array literal, quoting every element, so both drivers send one text parameter. */
function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
}

/** `cast('{…}' as uuid[])`, for `= any(…)` lookups. */
export function uuidArray(values: readonly string[]): RawBuilder<string[]> {
  return sql<string[]>`cast(${arrayLiteral(values)} as uuid[])`;
}

/** `cast('{…}' as text[])`, for `= any(…)` lookups. */
export function textArray(values: readonly string[]): RawBuilder<string[]> {
  return sql<string[]>`cast(${arrayLiteral(values)} as text[])`;
}

/** `cast('{…}' as bigint[])`, for `= any(…)` lookups. */
export function bigintArray(values: readonly number[]): RawBuilder<string[]> {
  return sql<string[]>`cast(${arrayLiteral(values.map(String))} as bigint[])`;
}

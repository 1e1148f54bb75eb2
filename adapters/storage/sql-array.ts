import { sql, type RawBuilder } from 'kysely';

const QUOTE_NEEDED = /["\\]/;

/** One element of a PostgreSQL array literal, quoted (backslash and double quote escaped). */
export function quoteArrayElement(v: string): string {
  return QUOTE_NEEDED.test(v) ? `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"` : `"${v}"`;
}

/** A PostgreSQL array literal, quoting every element, so both drivers send one text parameter. */
function arrayLiteral(values: readonly string[]): string {
  return `{${values.map(quoteArrayElement).join(',')}}`;
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

import { sql, type RawBuilder } from 'kysely';

/**
 * A jsonb parameter. Both drivers get the same JSON text: `pg` would otherwise turn a JS
 * array into a PostgreSQL array literal, and the hash chain needs one encoding everywhere.
 */
export function jsonb<T>(value: T): RawBuilder<T> {
  return sql<T>`cast(${JSON.stringify(value)} as jsonb)`;
}

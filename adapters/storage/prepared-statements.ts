import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type pg from 'pg';

/**
 * Put first in a hot statement whose text does not depend on its values (the runtime's read,
 * write and timer-claim statements): on PostgreSQL it then runs as a named prepared statement,
 * parsed and planned once per connection instead of on every call. Elsewhere it is a comment.
 */
export const PREPARED_MARK = '/* prepared */ ';

/** `PREPARED_MARK` for a statement built with kysely's `sql`. */
export const PREPARED = sql.raw(PREPARED_MARK);

const names = new Map<string, string>();

function nameOf(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `gf_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    if (names.size < 10_000) names.set(text, name);
  }
  return name;
}

/**
 * Makes a pooled client run marked statements as named prepared statements (the name is a hash
 * of the text, so one name never stands for two texts).
 */
export function prepareMarkedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const [text, values] = args;
    if (typeof text === 'string' && text.startsWith(PREPARED_MARK) && (values === undefined || Array.isArray(values)) && args.length <= 2) {
      return query({ name: nameOf(text), text, values });
    }
    return query(...args);
  };
}

import { sql } from 'kysely';
import type { Text } from '../../../engine/index.ts';
import type { Executor } from '../../storage/database.ts';
import { textArray } from '../../storage/sql-array.ts';

/** Titles of the latest published version of each definition id. */
export async function definitionTitles(executor: Executor, ids: readonly string[]): Promise<Map<string, Text>> {
  if (ids.length === 0) return new Map();
  const { rows } = await sql<{ id: string; title: Text }>`
    select distinct on (id) id, title from definitions where id = any(${textArray(ids)}) order by id, version desc`.execute(executor);
  return new Map(rows.map((r) => [r.id, r.title]));
}

/** Titles of every state of the latest published version of a definition, by state name. */
export async function stateTitles(executor: Executor, id: string): Promise<{ title: Text | null; states: Map<string, Text> }> {
  const { rows } = await sql<{ title: Text; resolved: { states?: Record<string, unknown> } }>`
    select title, resolved from definitions where id = ${id} order by version desc limit 1`.execute(executor);
  const states = new Map<string, Text>();
  const walk = (tree: Record<string, unknown> | undefined) => {
    for (const [name, spec] of Object.entries(tree ?? {})) {
      const s = spec as { title?: Text; states?: Record<string, unknown> };
      if (s.title) states.set(name, s.title);
      walk(s.states);
    }
  };
  walk(rows[0]?.resolved.states);
  return { title: rows[0]?.title ?? null, states };
}

/** Ids of the published definitions of a category (`licensing`, `tender`, `document`, …). */
export async function definitionsOfCategory(executor: Executor, category: string): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    select distinct id from definitions where resolved ->> 'category' = ${category} order by id`.execute(executor);
  return rows.map((r) => r.id);
}

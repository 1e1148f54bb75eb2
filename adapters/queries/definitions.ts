import { sql } from 'kysely';
import type { Executor } from '../storage/database.ts';

export interface DefinitionVersion {
  id: string;
  version: number;
  title: unknown;
  department: string | null;
  hash: string;
  hashAlg: string;
  publishedBy: unknown;
  publishedAt: string;
}

export interface DefinitionRow extends DefinitionVersion {
  source: string;
  resolved: Record<string, unknown>;
}

/** Published versions, by id then version (newest last); only `department`'s when given. */
export async function listDefinitionVersions(executor: Executor, filter: { id?: string; department?: string } = {}): Promise<DefinitionVersion[]> {
  let query = executor
    .selectFrom('definitions')
    .select(['id', 'version', 'title', 'department', 'hash', 'hash_alg', 'published_by', 'published_at'])
    .orderBy('id')
    .orderBy('version');
  if (filter.id !== undefined) query = query.where('id', '=', filter.id);
  if (filter.department !== undefined) query = query.where('department', '=', filter.department);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    version: r.version,
    title: r.title,
    department: r.department,
    hash: r.hash,
    hashAlg: r.hash_alg,
    publishedBy: r.published_by,
    publishedAt: r.published_at.toISOString(),
  }));
}

/** One published version with its source and resolved form; the newest when `version` is omitted. */
export async function getDefinition(executor: Executor, id: string, version?: number): Promise<DefinitionRow | undefined> {
  let query = executor.selectFrom('definitions').selectAll().where('id', '=', id).orderBy('version', 'desc').limit(1);
  if (version !== undefined) query = query.where('version', '=', version);
  const r = await query.executeTakeFirst();
  if (!r) return undefined;
  return {
    id: r.id,
    version: r.version,
    title: r.title,
    department: r.department,
    hash: r.hash,
    hashAlg: r.hash_alg,
    publishedBy: r.published_by,
    publishedAt: r.published_at.toISOString(),
    source: r.source,
    resolved: r.resolved as Record<string, unknown>,
  };
}

export interface LatestDefinition extends DefinitionVersion {
  category: string | null;
}

/** The newest version of every published definition, by id; only the given categories when set. */
export async function listLatestDefinitions(executor: Executor, filter: { categories?: readonly string[]; department?: string } = {}): Promise<LatestDefinition[]> {
  const { rows } = await sql<{
    id: string;
    version: number;
    title: unknown;
    department: string | null;
    hash: string;
    hash_alg: string;
    published_by: unknown;
    published_at: Date;
    category: string | null;
  }>`
    select distinct on (id) id, version, title, department, hash, hash_alg, published_by, published_at, resolved ->> 'category' as category
    from definitions
    where ${filter.department !== undefined ? sql`department = ${filter.department}` : sql`true`}
    order by id, version desc`.execute(executor);
  return rows
    .filter((r) => filter.categories === undefined || (r.category !== null && filter.categories.includes(r.category)))
    .map((r) => ({
      id: r.id,
      version: r.version,
      title: r.title,
      department: r.department,
      hash: r.hash,
      hashAlg: r.hash_alg,
      publishedBy: r.published_by,
      publishedAt: r.published_at.toISOString(),
      category: r.category,
    }));
}

import { sql, type RawBuilder } from 'kysely';

/** A region id: an administrative division code (`520000`, `520100`, `520102`) or a short name. */
export const REGION_PATTERN = /^[0-9A-Za-z][0-9A-Za-z-]{0,31}$/;

const DIVISION_CODE = /^[0-9]{6}$/;

/**
 * The prefix a region covers. For a six-digit division code the trailing `00` pairs name the
 * level: `520000` (province) covers `52…`, `520100` (city) covers `5201…`, `520102` (county)
 * only itself. Any other region id covers only itself. Pure.
 */
export function regionPrefix(region: string): { prefix: string; exact: boolean } {
  if (!DIVISION_CODE.test(region)) return { prefix: region, exact: true };
  let prefix = region;
  for (let i = 0; i < 2 && prefix.endsWith('00'); i++) prefix = prefix.slice(0, -2);
  return { prefix, exact: prefix.length === 6 };
}

/** True when `scope` covers `region` (see `regionPrefix`). Pure. */
export function regionCovers(scope: string, region: string): boolean {
  const { prefix, exact } = regionPrefix(scope);
  return exact ? region === scope : region.startsWith(prefix) && region.length === 6 && /^[0-9]+$/.test(region);
}

/**
 * SQL condition: `column` lies in `scope`. The prefix is digits only, so it needs no LIKE escaping.
 * @param column a trusted, qualified column reference such as `i.region`.
 */
export function regionCondition(column: string, scope: string): RawBuilder<boolean> {
  const { prefix, exact } = regionPrefix(scope);
  if (exact) return sql<boolean>`${sql.ref(column)} = ${scope}`;
  return sql<boolean>`(${sql.ref(column)} like ${`${prefix}%`} and length(${sql.ref(column)}) = 6)`;
}

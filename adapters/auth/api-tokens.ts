import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Executor } from '../storage/database.ts';
import { regionCondition } from '../queries/region-scope.ts';
import { withApiTables } from './api-tables.ts';

/**
 * Roles a token can carry. `chief-representative` (首席代表) is a department's authorised decision
 * maker at the service-centre window. Applicants and bidders have no tokens: they use receipt number + code.
 */
export const TOKEN_ROLES = ['designer', 'window', 'chief-representative', 'officer', 'head', 'supervisor', 'auditor', 'admin'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

/** `gf_` + 43 base64url characters (256 random bits). */
export const TOKEN_PATTERN = /^gf_[A-Za-z0-9_-]{43}$/;
export const DEPARTMENT_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;
export const TOKEN_NAME_PATTERN = /^[\p{L}\p{N}._@-]{1,64}$/u;

export interface TokenGrant {
  role: TokenRole;
  department: string;
  region: string;
  /** Who the token is for; becomes the actor id in the audit trail. Default `<role>-<id prefix>`. */
  name?: string;
  expiresAt?: number;
  /** Who created it (`cli`, or the admin's actor id). */
  createdBy: string;
}

export interface TokenRecord {
  id: string;
  name: string;
  role: TokenRole;
  department: string;
  region: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface IssuedToken extends TokenRecord {
  /** The bearer token itself; shown once, never stored. */
  token: string;
}

/** SM3 (GB/T 32905) of the token text, lower-case hex: what `api_tokens.token_hash` holds. Pure. */
export function tokenDigest(token: string): string {
  return createHash('sm3').update(token, 'utf8').digest('hex');
}

function isRole(role: string): role is TokenRole {
  return (TOKEN_ROLES as readonly string[]).includes(role);
}

const toRecord = (r: {
  id: string;
  name: string;
  role: string;
  department: string;
  region: string;
  created_at: Date;
  created_by: string;
  expires_at: Date | null;
  revoked_at: Date | null;
}): TokenRecord => ({
  id: r.id,
  name: r.name,
  role: isRole(r.role) ? r.role : 'auditor',
  department: r.department,
  region: r.region,
  createdAt: r.created_at.toISOString(),
  createdBy: r.created_by,
  expiresAt: r.expires_at?.toISOString() ?? null,
  revokedAt: r.revoked_at?.toISOString() ?? null,
});

/**
 * Creates a token and stores only its SM3 digest. The caller shows `token` once.
 * @throws RangeError when the role, department, region or name is not allowed.
 */
export async function createToken(executor: Executor, grant: TokenGrant, now: number): Promise<IssuedToken> {
  if (!isRole(grant.role)) throw new RangeError(`未知角色 unknown role '${String(grant.role)}'; roles: ${TOKEN_ROLES.join(', ')}`);
  if (!DEPARTMENT_PATTERN.test(grant.department)) throw new RangeError(`部门编码无效 invalid department '${grant.department}': lower-case letters, digits and '-'`);
  if (!/^[0-9A-Za-z][0-9A-Za-z-]{0,31}$/.test(grant.region)) throw new RangeError(`区域编码无效 invalid region '${grant.region}'`);
  if (grant.name !== undefined && !TOKEN_NAME_PATTERN.test(grant.name)) throw new RangeError(`名称无效 invalid name '${grant.name}': letters, digits, '.', '_', '@', '-'`);
  const id = randomUUID();
  const token = `gf_${randomBytes(32).toString('base64url')}`;
  const row = await withApiTables(executor)
    .insertInto('api_tokens')
    .values({
      id,
      token_hash: tokenDigest(token),
      hash_alg: 'sm3',
      name: grant.name ?? `${grant.role}-${id.slice(0, 8)}`,
      role: grant.role,
      department: grant.department,
      region: grant.region,
      created_at: new Date(now),
      created_by: grant.createdBy,
      expires_at: grant.expiresAt === undefined ? null : new Date(grant.expiresAt),
      revoked_at: null,
    })
    .returning(['id', 'name', 'role', 'department', 'region', 'created_at', 'created_by', 'expires_at', 'revoked_at'])
    .executeTakeFirstOrThrow();
  return { ...toRecord(row), token };
}

/** The live token (not revoked, not expired at `now`) with this text, if any. */
export async function findToken(executor: Executor, token: string, now: number): Promise<TokenRecord | undefined> {
  if (!TOKEN_PATTERN.test(token)) return undefined;
  const row = await withApiTables(executor)
    .selectFrom('api_tokens')
    .select(['id', 'name', 'role', 'department', 'region', 'created_at', 'created_by', 'expires_at', 'revoked_at'])
    .where('token_hash', '=', tokenDigest(token))
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', new Date(now))]))
    .executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

/** Revokes a token by id. Returns false when no live token has that id (in `region`, when given). */
export async function revokeToken(executor: Executor, id: string, now: number, region?: string): Promise<boolean> {
  let query = withApiTables(executor).updateTable('api_tokens').set({ revoked_at: new Date(now) }).where('id', '=', id).where('revoked_at', 'is', null);
  if (region !== undefined) query = query.where(regionCondition('region', region));
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Tokens (never their text), newest first; within `region` when given. */
export async function listTokens(executor: Executor, options: { region?: string; limit?: number } = {}): Promise<TokenRecord[]> {
  let query = withApiTables(executor)
    .selectFrom('api_tokens')
    .select(['id', 'name', 'role', 'department', 'region', 'created_at', 'created_by', 'expires_at', 'revoked_at'])
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(options.limit ?? 500);
  if (options.region !== undefined) query = query.where(regionCondition('region', options.region));
  return (await query.execute()).map(toRecord);
}

/** Number of tokens ever created (revoked ones included): zero means a fresh installation. */
export async function countTokens(executor: Executor): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from api_tokens`.execute(executor);
  return rows[0]?.n ?? 0;
}

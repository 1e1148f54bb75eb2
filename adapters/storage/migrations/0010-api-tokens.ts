import type { Migration } from './migration.ts';

/**
 * Bearer tokens of the HTTP API. Only the SM3 digest of a token is kept (the token itself is
 * shown once, when it is created); a token is bound to one role, department and region.
 * Revocation sets `revoked_at`; rows are never deleted, so the security audit can name them.
 */
export const migration0010: Migration = {
  version: 10,
  name: 'api-tokens',
  statements: [
    `create table api_tokens (
       id uuid primary key,
       token_hash text not null unique,
       hash_alg text not null default 'sm3',
       name text not null,
       role text not null,
       department text not null,
       region text not null,
       created_at timestamptz not null,
       created_by text not null,
       expires_at timestamptz,
       revoked_at timestamptz
     )`,
    `create index api_tokens_scope on api_tokens (region, department, role)`,
  ],
};

import type { Migration } from './migration.ts';

/**
 * The security audit: every refused request (no or bad credentials, a role that may not,
 * an object outside the caller's department or region) and every grant of access (token
 * created or revoked). Append-only like the case audit: updates, deletes and truncation are
 * refused by trigger. `region` is the caller's region when known, for auditors' scoping.
 */
export const migration0011: Migration = {
  version: 11,
  name: 'security-audit',
  statements: [
    `create table security_audit (
       id bigint generated always as identity primary key,
       occurred_at timestamptz not null,
       outcome text not null check (outcome in ('denied', 'granted')),
       request_id text,
       actor jsonb,
       region text,
       method text not null,
       path text not null,
       action text not null,
       resource text,
       status integer not null,
       code text not null,
       reason text not null,
       ip text
     )`,
    `create index security_audit_by_region on security_audit (region, occurred_at)`,
    `create trigger security_audit_append_only before update or delete on security_audit
       for each row execute function govflow_refuse_change()`,
    `create trigger security_audit_no_truncate before truncate on security_audit
       for each statement execute function govflow_refuse_change()`,
  ],
};

import type { Migration } from './migration.ts';

/**
 * Verification codes (查询码) issued with each receipt number, so an applicant or bidder can
 * follow a case without an account. Kept as a salted scrypt digest; after repeated wrong
 * codes the receipt is locked for a while (`locked_until`), against guessing.
 */
export const migration0012: Migration = {
  version: 12,
  name: 'receipt-codes',
  statements: [
    `create table receipt_codes (
       receipt_no text primary key,
       instance_id uuid not null unique,
       party text not null check (party in ('applicant', 'bidder')),
       region text not null,
       code_hash text not null,
       code_salt text not null,
       hash_alg text not null default 'scrypt',
       failed_attempts integer not null default 0,
       locked_until timestamptz,
       issued_at timestamptz not null
     )`,
  ],
};

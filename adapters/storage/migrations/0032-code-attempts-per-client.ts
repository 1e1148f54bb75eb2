import type { Migration } from './migration.ts';

/**
 * Verification-code attempts per (receipt number, client address block): a client that keeps
 * giving wrong codes is blocked from that receipt number, and nobody else is. `code_attempts` keeps
 * one row per receipt number across all clients; once too many wrong codes arrive within the
 * window from everywhere together the receipt number is guarded until `guarded_until`: each client
 * then gets one attempt per window. A receipt number blocked under 0015 starts out guarded.
 */
export const migration0032: Migration = {
  version: 32,
  name: 'code-attempts-per-client',
  statements: [
    `create table code_attempt_clients (
       receipt_no text not null,
       client text not null,
       attempts integer not null,
       window_started_at timestamptz not null,
       blocked_until timestamptz,
       primary key (receipt_no, client)
     )`,
    `create index code_attempt_clients_by_window on code_attempt_clients (window_started_at)`,
    `alter table code_attempts rename column blocked_until to guarded_until`,
  ],
};

import type { Migration } from './migration.ts';

/**
 * Attempts at a receipt number's verification code, kept per receipt number whether or not it
 * exists (so throttling does not reveal which receipts do). Once too many attempts fail within
 * the window the receipt number is blocked until `blocked_until`. This replaces the lock
 * columns of `receipt_codes`, which only existing receipts had.
 */
export const migration0015: Migration = {
  version: 15,
  name: 'code-attempts',
  statements: [
    `create table code_attempts (
       receipt_no text primary key,
       attempts integer not null,
       window_started_at timestamptz not null,
       blocked_until timestamptz
     )`,
    `create index code_attempts_by_window on code_attempts (window_started_at)`,
    `alter table receipt_codes drop column failed_attempts`,
    `alter table receipt_codes drop column locked_until`,
  ],
};

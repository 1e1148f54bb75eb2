import type { Migration } from './migration.ts';

/**
 * A block-range index on when idempotency keys were recorded, so old keys can be pruned in
 * batches without a full scan. Keys arrive in time order, which is what BRIN summarises well,
 * and it costs the command path next to nothing (no per-row index entry).
 */
export const migration0004: Migration = {
  version: 4,
  name: 'idempotency-retention',
  statements: [`create index idempotency_keys_created_brin on idempotency_keys using brin (created_at)`],
};

import type { Migration } from './migration.ts';

/**
 * A position for every outbox row, in the order the rows were written, so live streams can follow
 * the outbox as one ordered feed and a client that reconnects with `Last-Event-ID` resumes where it
 * left off. The identity fills in existing rows and every new insert without the writers naming it.
 */
export const migration0014: Migration = {
  version: 14,
  name: 'outbox-positions',
  statements: [`alter table outbox add column position bigint generated always as identity`, `create unique index outbox_by_position on outbox (position)`],
};

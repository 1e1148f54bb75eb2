import type { Migration } from './migration.ts';

/**
 * The outbox is keyed by its feed position alone. A row is written on almost every command, and
 * its random uuid key and its unique idempotency-key index were two scattered index inserts each
 * time, about a seventh of a command's cost in the database. Neither is needed: the relay marks
 * rows delivered by position, a live stream's event id is the position, and an idempotency key
 * (`<instance>:<seq>:<n>`, `alert:<id>:…`) is unique by construction, because the rows it is
 * derived from (the audit event, the escalation, the acknowledgement) are unique and written in the
 * same statement or transaction. The key stays on the row for receivers to drop repeats.
 */
export const migration0033: Migration = {
  version: 33,
  name: 'outbox-position-key',
  statements: [
    `alter table outbox drop constraint outbox_pkey`,
    `alter table outbox drop constraint outbox_idempotency_key_key`,
    `alter table outbox drop column id`,
    `alter table outbox add constraint outbox_pkey primary key using index outbox_by_position`,
  ],
};

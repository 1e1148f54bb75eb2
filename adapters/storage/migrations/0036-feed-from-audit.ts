import type { Migration } from './migration.ts';

/**
 * Live streams learn that a case changed from its audit event, no longer from an
 * `instance.changed` outbox row written beside it. That row repeated what the audit row already
 * says, durably, in the same transaction, and cost every command an insert with two index
 * entries, an update when delivered and a delete when pruned — the largest single part of the
 * database's work on a timer storm after the audit row itself.
 *
 * Outbox rows and audit rows now draw their positions from one sequence, `feed_position`, so the
 * two tables together are one ordered feed: a stream's event id stays a position. Audit rows
 * written before this migration keep the positions of their old sequence, which may repeat outbox
 * positions, so the feed takes audit rows from `feed_origin.audit_from` on (the first position
 * drawn after it); the case changes before that are the `instance.changed` rows left in the
 * outbox until they are pruned.
 */
export const migration0036: Migration = {
  version: 36,
  name: 'feed-from-audit',
  statements: [
    `create table feed_origin (audit_from bigint not null)`,
    `insert into feed_origin (audit_from)
       select greatest((select coalesce(max(position), 0) from outbox), (select last_value from audit_event_position)) + 1`,
    `create sequence feed_position`,
    `select setval('feed_position', (select audit_from from feed_origin), false)`,
    `alter table outbox alter column position drop identity`,
    `alter table outbox alter column position set default nextval('feed_position')`,
    `alter table audit_events alter column position set default nextval('feed_position')`,
    `drop sequence audit_event_position`,
    `create index audit_events_by_position on audit_events (position)`,
  ],
};

import type { Migration } from './migration.ts';

/**
 * Escalation of supervision alerts to the supervising office (监察室) when nobody acknowledged
 * them in time. `alerts` gains when and to whom it was escalated, stamped by the escalation job
 * (adapters/alerts) in the same transaction that claims the row with `FOR UPDATE SKIP LOCKED`;
 * the partial index keeps that claim cheap however many alerts were dealt with long ago.
 * `alert_escalations` is the append-only record of each escalation (one per alert: the primary
 * key is a second guard against a double escalation), read back with `alert_acknowledgements`
 * (migration 0013) as an alert's history.
 */
export const migration0030: Migration = {
  version: 30,
  name: 'alert-escalation',
  statements: [
    `alter table alerts add column escalated_at timestamptz`,
    `alter table alerts add column escalated_to text`,
    `create index alerts_awaiting_escalation on alerts (raised_at) where acknowledged_at is null and escalated_at is null`,
    `create index alerts_open_by_level on alerts (level) where acknowledged_at is null`,
    `create table alert_escalations (
       alert_id uuid primary key,
       instance_id uuid not null,
       region text not null,
       department text not null,
       escalated_at timestamptz not null,
       escalated_to text not null,
       waited_ms bigint not null,
       actor jsonb not null
     )`,
    `create trigger alert_escalations_append_only before update or delete on alert_escalations
       for each row execute function govflow_refuse_change()`,
  ],
};

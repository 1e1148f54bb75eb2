import type { Migration } from './migration.ts';

/**
 * Statistics as projections of the audit log (docs/statistics.md).
 *
 * `audit_events` gains the writing transaction's id (`tx_id`) and a global `position`. The
 * projector reads only rows whose transaction is older than the oldest one still running
 * (`tx_id < pg_snapshot_xmin(pg_current_snapshot())`), in `(tx_id, position)` order, so a row
 * that commits late can never slip in behind its checkpoint. Existing rows are filled by the
 * table rewrite `add column … default` performs (a rewrite, not an UPDATE: the append-only
 * trigger does not fire): all of them get this migration's transaction id, in physical order.
 *
 * The projection tables are written only by the projector (adapters/stats), never on the
 * command path: per-instance facts, the replay state of open instances, and daily aggregates
 * keyed by department, item, region and Asia/Shanghai day, so queries never scan instances.
 */
export const migration0020: Migration = {
  version: 20,
  name: 'stats-projections',
  statements: [
    `create sequence audit_event_position`,
    `alter table audit_events add column tx_id xid8 not null default pg_current_xact_id()`,
    `alter table audit_events add column position bigint not null default nextval('audit_event_position')`,
    `create index audit_events_projection_order on audit_events (tx_id, position)`,

    `create table stats_checkpoint (
       name text primary key,
       tx_id xid8 not null,
       position bigint not null,
       events bigint not null default 0,
       batches bigint not null default 0,
       updated_at timestamptz not null default now()
     )`,
    `insert into stats_checkpoint (name, tx_id, position) values ('audit', '0', 0)`,

    `create table stats_instances (
       instance_id uuid primary key,
       definition_id text not null,
       definition_version integer not null,
       category text not null,
       department text not null,
       region text not null,
       seq integer not null,
       received_at timestamptz not null,
       accepted_at timestamptz,
       decided_at timestamptz,
       ended_at timestamptz,
       outcome text,
       outcome_class text,
       state text not null,
       state_since timestamptz not null,
       paused_wd integer not null default 0,
       duration_wd integer,
       promised_due timestamptz,
       promised_running boolean not null default false,
       promised_met boolean,
       statutory_due timestamptz,
       statutory_running boolean not null default false,
       statutory_met boolean,
       urgent boolean not null default false,
       cards jsonb not null default '{}',
       milestones jsonb not null default '{}',
       leaves jsonb not null default '{}',
       error text
     )`,
    `create index stats_instances_open_by_state on stats_instances (definition_id, state) where ended_at is null`,
    `create index stats_instances_promised_running on stats_instances (promised_due)
       include (department, definition_id, region, urgent) where promised_running`,
    `create index stats_instances_statutory_running on stats_instances (statutory_due)
       include (department, definition_id, region, urgent) where statutory_running`,
    `create index stats_instances_by_department on stats_instances (department, received_at)`,

    `create table stats_replay_state (
       instance_id uuid primary key,
       snapshot jsonb not null
     )`,

    `create table stats_daily (
       department text not null,
       day date not null,
       definition_id text not null,
       region text not null,
       received integer not null default 0,
       accepted integer not null default 0,
       not_accepted integer not null default 0,
       denied integer not null default 0,
       withdrawn integer not null default 0,
       completed integer not null default 0,
       promised_met integer not null default 0,
       statutory_met integer not null default 0,
       paused_cases integer not null default 0,
       paused_wd bigint not null default 0,
       primary key (department, day, definition_id, region)
     )`,
    `create index stats_daily_by_item on stats_daily (definition_id, day)`,

    `create table stats_duration_daily (
       department text not null,
       day date not null,
       definition_id text not null,
       region text not null,
       wd integer not null,
       n integer not null,
       primary key (department, day, definition_id, region, wd)
     )`,
    `create index stats_duration_daily_by_item on stats_duration_daily (definition_id, day)`,

    `create table stats_alert_daily (
       department text not null,
       day date not null,
       definition_id text not null,
       region text not null,
       level text not null,
       n integer not null,
       primary key (department, day, definition_id, region, level)
     )`,
    `create index stats_alert_daily_by_item on stats_alert_daily (definition_id, day)`,

    `create table stats_dwell_daily (
       definition_id text not null,
       state text not null,
       day date not null,
       wd integer not null,
       n integer not null,
       ms bigint not null,
       primary key (definition_id, state, day, wd)
     )`,

    `create table stats_interval_daily (
       department text not null,
       day date not null,
       definition_id text not null,
       region text not null,
       interval text not null,
       value integer not null,
       n integer not null,
       primary key (department, day, definition_id, region, interval, value)
     )`,
    `create index stats_interval_daily_by_interval on stats_interval_daily (interval, day)`,
  ],
};

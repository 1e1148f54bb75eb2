import type { Migration } from './migration.ts';

/**
 * Acknowledgements of supervision alerts, with the acknowledging person's comment. Append-only;
 * the first one also stamps `alerts.acknowledged_at/by` for quick filtering.
 */
export const migration0013: Migration = {
  version: 13,
  name: 'alert-acknowledgements',
  statements: [
    `create table alert_acknowledgements (
       id bigint generated always as identity primary key,
       alert_id uuid not null,
       acknowledged_at timestamptz not null,
       actor jsonb not null,
       comment text not null,
       region text not null
     )`,
    `create index alert_acknowledgements_by_alert on alert_acknowledgements (alert_id)`,
    `create trigger alert_acknowledgements_append_only before update or delete on alert_acknowledgements
       for each row execute function govflow_refuse_change()`,
  ],
};

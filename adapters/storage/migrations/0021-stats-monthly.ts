import type { Migration } from './migration.ts';

/**
 * Monthly roll-ups of the daily statistics (docs/statistics.md): the same counters, durations
 * and alerts, keyed by the first day of the month. A query over a long period reads whole
 * months here and only the partial months at its ends from the daily tables, so comparing every
 * department over a year reads about thirty times fewer rows.
 */
export const migration0021: Migration = {
  version: 21,
  name: 'stats-monthly',
  statements: [
    `create table stats_monthly (like stats_daily including defaults including constraints)`,
    `alter table stats_monthly add primary key (department, day, definition_id, region)`,
    `create index stats_monthly_by_item on stats_monthly (definition_id, day)`,
    `create table stats_duration_monthly (like stats_duration_daily including defaults including constraints)`,
    `alter table stats_duration_monthly add primary key (department, day, definition_id, region, wd)`,
    `create index stats_duration_monthly_by_item on stats_duration_monthly (definition_id, day)`,
    `create table stats_alert_monthly (like stats_alert_daily including defaults including constraints)`,
    `alter table stats_alert_monthly add primary key (department, day, definition_id, region, level)`,
    `create index stats_alert_monthly_by_item on stats_alert_monthly (definition_id, day)`,
    // Comparing every department reads a period across all keys: by day.
    `create index stats_daily_by_day on stats_daily (day)`,
    `create index stats_duration_daily_by_day on stats_duration_daily (day)`,
    `create index stats_alert_daily_by_day on stats_alert_daily (day)`,
    `create index stats_monthly_by_day on stats_monthly (day)`,
    `create index stats_duration_monthly_by_day on stats_duration_monthly (day)`,
    `create index stats_alert_monthly_by_day on stats_alert_monthly (day)`,
  ],
};

/**
 * Every projection table of migrations 0020–0022 (per-instance facts, replay snapshots, daily
 * and monthly aggregates, department roll-ups), in the order `stats rebuild` empties them and `projectionDigest` reads them.
 * The checkpoint (`stats_checkpoint`) is not among them: rebuild resets it instead.
 */
export const PROJECTION_TABLES = [
  'stats_instances',
  'stats_replay_state',
  'stats_daily',
  'stats_duration_daily',
  'stats_alert_daily',
  'stats_monthly',
  'stats_duration_monthly',
  'stats_alert_monthly',
  'stats_department_daily',
  'stats_department_monthly',
  'stats_dwell_daily',
  'stats_interval_daily',
] as const;

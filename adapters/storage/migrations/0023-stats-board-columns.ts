import type { Migration } from './migration.ts';

/**
 * What the traffic-light board (adapters/supervision/traffic-board.ts) needs of each open case,
 * kept on `stats_instances` so the board is one index-only scan of the open cases:
 * - `card_light`: the light the ladder cards an instance drew call for — 2 after a red card,
 *   1 after a reminder, a yellow card or an overrun step, else 0 — instead of reading the `cards`
 *   jsonb of every open case;
 * - `clock_paused`: a limit clock has started, is not running and has not stopped (paused,
 *   行政许可法第四十五条).
 * Both are stored generated columns, so every write of the projector (and `stats rebuild`) keeps
 * them, and adding them fills them for the rows already projected. The partial index covers
 * every column the board and the open-case counts read, for open cases only.
 */
export const migration0023: Migration = {
  version: 23,
  name: 'stats-board-columns',
  statements: [
    `alter table stats_instances
       add column card_light smallint not null generated always as (
         case when coalesce(cast(cards ->> 'red-card' as integer), 0) > 0 then 2
              when coalesce(cast(cards ->> 'yellow-card' as integer), 0) > 0
                or coalesce(cast(cards ->> 'step-overdue' as integer), 0) > 0
                or coalesce(cast(cards ->> 'reminder' as integer), 0) > 0 then 1
              else 0 end) stored,
       add column clock_paused boolean not null generated always as (
         (promised_due is not null and not promised_running and promised_met is null)
         or (statutory_due is not null and not statutory_running and statutory_met is null)) stored`,
    `create index stats_instances_open_board on stats_instances (department)
       include (region, definition_id, card_light, clock_paused, promised_running, promised_due, statutory_running, statutory_due)
       where ended_at is null`,
  ],
};

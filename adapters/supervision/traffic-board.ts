import { sql } from 'kysely';
import { rowCondition, type CaseScope } from '../queries/case-scope.ts';
import type { Executor } from '../storage/database.ts';

/** Open cases of one department by light. */
export interface DepartmentLights {
  department: string;
  open: number;
  green: number;
  yellow: number;
  red: number;
  /** Open cases whose limit clock is paused now (行政许可法 Art. 45: excluded time); counted under their light too. */
  paused: number;
}

/**
 * The traffic-light board: open cases per department in `scope`, each under one light by its
 * limit clocks and the ladder cards it drew (the rules themselves are the YAML ladders):
 * - red: the statutory limit has passed while its clock runs, or a red card was raised;
 * - yellow: otherwise, the promised limit has passed while its clock runs, or a reminder, a
 *   yellow card or an overrun step was raised;
 * - green: everything else.
 * Read from the statistics projection `stats_instances` (never the instances table), so it is as
 * fresh as the projector (under a second behind when it runs): one index-only scan of the partial
 * index of open cases (migration 0023), which holds each case's department, region, limit clocks,
 * the light its cards call for (`card_light`: 2 red card; 1 reminder, yellow card or overrun step)
 * and whether a limit clock is paused (`clock_paused`).
 *
 * @param now epoch ms "now" is judged at.
 */
export async function trafficBoard(executor: Executor, scope: CaseScope, now: number): Promise<DepartmentLights[]> {
  const at = new Date(now).toISOString();
  const { rows } = await sql<{ department: string; open: number; red: number; yellow: number; paused: number }>`
    with open_cases as (
      select s.department,
        (s.card_light = 2 or (s.statutory_running and s.statutory_due < cast(${at} as timestamptz))) as red,
        (s.card_light = 1 or (s.promised_running and s.promised_due < cast(${at} as timestamptz))) as yellow,
        s.clock_paused as paused
      from stats_instances s
      where s.ended_at is null and ${rowCondition(scope, 's')})
    select department, count(*)::int as open,
      (count(*) filter (where red))::int as red,
      (count(*) filter (where yellow and not red))::int as yellow,
      (count(*) filter (where paused))::int as paused
    from open_cases group by department order by department`.execute(executor);
  return rows.map((r) => ({ department: r.department, open: r.open, green: r.open - r.red - r.yellow, yellow: r.yellow, red: r.red, paused: r.paused }));
}

/** Open cases per process (definition id) in `scope`, from `stats_instances` (the same index as the board). */
export async function openCasesByProcess(executor: Executor, scope: CaseScope): Promise<Map<string, number>> {
  const { rows } = await sql<{ definition_id: string; n: number }>`
    select s.definition_id, count(*)::int as n from stats_instances s
    where s.ended_at is null and ${rowCondition(scope, 's')} group by s.definition_id`.execute(executor);
  return new Map(rows.map((r) => [r.definition_id, r.n]));
}

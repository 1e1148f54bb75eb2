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
 * Read from the statistics projection `stats_instances` (indexed, never the instances table), so
 * it is as fresh as the projector (under a second behind when it runs).
 *
 * @param now epoch ms "now" is judged at.
 */
export async function trafficBoard(executor: Executor, scope: CaseScope, now: number): Promise<DepartmentLights[]> {
  const at = new Date(now).toISOString();
  const { rows } = await sql<{ department: string; open: number; red: number; yellow: number; paused: number }>`
    with open_cases as (
      select s.department,
        ((s.statutory_running and s.statutory_due < cast(${at} as timestamptz)) or coalesce((s.cards->>'red-card')::int, 0) > 0) as red,
        ((s.promised_running and s.promised_due < cast(${at} as timestamptz))
          or coalesce((s.cards->>'yellow-card')::int, 0) > 0
          or coalesce((s.cards->>'step-overdue')::int, 0) > 0
          or coalesce((s.cards->>'reminder')::int, 0) > 0) as yellow,
        ((s.promised_due is not null and not s.promised_running and s.promised_met is null)
          or (s.statutory_due is not null and not s.statutory_running and s.statutory_met is null)) as paused
      from stats_instances s
      where s.ended_at is null and ${rowCondition(scope, 's')})
    select department, count(*)::int as open,
      (count(*) filter (where red))::int as red,
      (count(*) filter (where yellow and not red))::int as yellow,
      (count(*) filter (where paused))::int as paused
    from open_cases group by department order by department`.execute(executor);
  return rows.map((r) => ({ department: r.department, open: r.open, green: r.open - r.red - r.yellow, yellow: r.yellow, red: r.red, paused: r.paused }));
}

/** Open cases per process (definition id) in `scope`, from `stats_instances`. */
export async function openCasesByProcess(executor: Executor, scope: CaseScope): Promise<Map<string, number>> {
  const { rows } = await sql<{ definition_id: string; n: number }>`
    select s.definition_id, count(*)::int as n from stats_instances s
    where s.ended_at is null and ${rowCondition(scope, 's')} group by s.definition_id`.execute(executor);
  return new Map(rows.map((r) => [r.definition_id, r.n]));
}

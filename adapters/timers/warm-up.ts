import { sql, type Kysely } from 'kysely';
import { defaultEngine } from '../runtime/engine-port.ts';
import { planCommand } from '../runtime/plan-command.ts';
import { roundRecords } from '../runtime/round-records.ts';
import { roundStatement } from '../runtime/write-round.ts';
import type { Runtime } from '../runtime/runtime.ts';
import type { Database } from '../storage/database.ts';
import { parseStored } from '../runtime/loaded-instance.ts';
import { CLAIMED_TEXT, readClaimed } from './claim-due-timers.ts';

/** Timers planned (and thrown away) by a warm-up, at most. */
export const WARM_UP_TIMERS = 2000;

/**
 * Compiles the definitions of the next timers due (the first 10,000 in due order), so a storm
 * due now does not wait for them to be compiled first. One that does not compile here is left
 * to fail its timers' firings, which report it.
 */
async function compileUpcoming(db: Kysely<Database>, runtime: Runtime): Promise<void> {
  const { rows } = await sql<{ definition_id: string; definition_version: number }>`
    select distinct i.definition_id, i.definition_version
    from (select instance_id from timers order by due_at, fire_order, instance_id limit 10000) as t
    join instances as i on i.id = t.instance_id`.execute(db);
  for (const r of rows) await runtime.registry.resolve(db, r.definition_id, r.definition_version).catch(() => undefined);
}

async function databaseNow(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ now: number }>`select cast(floor(extract(epoch from now()) * 1000) as float8) as now`.execute(db);
  return (rows[0] as { now: number }).now;
}

/**
 * A scheduler starts with code that has never run: its first batches would pay for compiling
 * the definitions, the engine, the SM3 seal and the write statement on top of their work. So it
 * first makes sure the audit partitions of the month (of `at`, else of the database clock's now)
 * exist, then plans the firing of up to `limit` of the next due timers — read without locks,
 * nothing written, the plans thrown away. Nothing due, nothing planned.
 */
export async function warmUpFiring(db: Kysely<Database>, runtime: Runtime, limit: number, at?: number): Promise<void> {
  await runtime.prepareAuditMonth(at ?? (await databaseNow(db)));
  await compileUpcoming(db, runtime);
  const { rows } = await sql<{ claimed: string | null }>`
    select ${CLAIMED_TEXT} as claimed
    from (select instance_id, timer_id, clock, region, due_at, fire_order, attempts from timers
          order by due_at, fire_order, instance_id limit ${limit}) as g
    join (select id as instance_id, definition_id, definition_version, department, receipt_no, status, outcome, snapshot, version,
                 audit_head, region as instance_region from instances) as p on p.instance_id = g.instance_id`.execute(db);
  const claimed = rows[0]?.claimed;
  if (!claimed) return;
  for (const timer of readClaimed(claimed, 0)) {
    const row = timer.instance;
    if (!row) continue;
    const definition = await runtime.registry.resolve(db, row.definitionId, row.definitionVersion).catch(() => undefined);
    if (!definition) continue;
    const { instanceId, timerId, dueAt } = timer;
    try {
      const plan = planCommand(defaultEngine, { kind: 'timer', instanceId, timerId, dueAt, firedAt: dueAt }, definition, parseStored(row), dueAt);
      if (plan !== 'stale') roundStatement(roundRecords([plan]));
    } catch {
      // A timer whose firing fails will report it when it really fires.
    }
  }
}

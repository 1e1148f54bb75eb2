import { sql, type Kysely } from 'kysely';
import { defaultEngine } from '../runtime/engine-port.ts';
import { planCommand } from '../runtime/plan-command.ts';
import { roundRecords } from '../runtime/round-records.ts';
import { roundStatement } from '../runtime/write-round.ts';
import type { Runtime } from '../runtime/runtime.ts';
import type { Database } from '../storage/database.ts';
import { parseStored } from '../runtime/loaded-instance.ts';
import { toStored, type ClaimRow } from './claim-due-timers.ts';

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

/**
 * A scheduler starts with code that has never run: its first batches would pay for compiling
 * the definitions, the engine, the SM3 seal and the write statement on top of their work. So it
 * first plans the firing of up to `limit` of the next due timers — read without locks, nothing
 * written, the plans thrown away. Nothing due, nothing done.
 */
export async function warmUpFiring(db: Kysely<Database>, runtime: Runtime, limit: number): Promise<void> {
  await compileUpcoming(db, runtime);
  const { rows } = await sql<Omit<ClaimRow, 'clock' | 'region' | 'fire_order' | 'attempts' | 'fired_at'>>`
    select t.instance_id, t.timer_id, t.due_at, i.definition_id, i.definition_version, i.region as instance_region, i.department,
           i.receipt_no, i.status, i.outcome, cast(i.snapshot as text) as snapshot_json, i.version, i.audit_head
    from (select instance_id, timer_id, due_at from timers order by due_at, fire_order, instance_id limit ${limit}) as t
    join instances as i on i.id = t.instance_id`.execute(db);
  for (const r of rows) {
    const definition = await runtime.registry.resolve(db, r.definition_id, r.definition_version).catch(() => undefined);
    if (!definition) continue;
    const dueAt = r.due_at.getTime();
    try {
      const plan = planCommand(defaultEngine, { kind: 'timer', instanceId: r.instance_id, timerId: r.timer_id, dueAt, firedAt: dueAt }, definition, parseStored(toStored(r)), dueAt);
      if (plan !== 'stale') roundStatement(roundRecords([plan]));
    } catch {
      // A timer whose firing fails will report it when it really fires.
    }
  }
}

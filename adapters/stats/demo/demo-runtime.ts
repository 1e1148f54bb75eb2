import { sql, type Kysely } from 'kysely';
import { isEngineError } from '../../../engine/errors.ts';
import { isAdapterError } from '../../errors.ts';
import type { Command, CommandOutcome } from '../../runtime/commands.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import type { Database } from '../../storage/database.ts';

/**
 * Submits commands of different instances at once through the runtime's group commit, which
 * shares transactions among them and keeps two in flight, so the engine's work on one overlaps
 * the database's on another. Outcomes are in the order of `commands`; a command the engine or
 * the runtime refuses gets an error outcome, any other failure (the database) is thrown.
 */
export async function submitAll(runtime: Runtime, commands: readonly Command[]): Promise<CommandOutcome[]> {
  return Promise.all(
    commands.map((c) => {
      const result =
        c.kind === 'start'
          ? runtime.start(c.definition, c.data, c.actor, { instanceId: c.instanceId, department: c.department, region: c.region })
          : c.kind === 'send'
            ? runtime.send(c.instanceId, c.event.type, { actor: c.actor, ...(c.event.payload ? { payload: c.event.payload } : {}) })
            : Promise.reject(new Error('internal: timers fire through the scheduler'));
      return result.then(
        (r): CommandOutcome => ({ ok: true, result: r }),
        (error: unknown): CommandOutcome => {
          if (isEngineError(error) || isAdapterError(error)) return { ok: false, error };
          throw error;
        },
      );
    }),
  );
}

/**
 * True when some timer is due at `at`, so an empty drain is skipped. Reads the earliest due
 * instant from the end of the due-time index, whatever the table's statistics say. (A timer
 * backing off after a failure may make a drain find nothing; that costs one empty claim.)
 */
export async function timersDue(db: Kysely<Database>, at: number): Promise<boolean> {
  const { rows } = await sql<{ next: Date | null }>`select min(due_at) as next from timers`.execute(db);
  const next = rows[0]?.next;
  return next != null && next.getTime() <= at;
}

/**
 * Vacuums and analyzes `timers`, which the workload uses as a queue: rows armed, fired and
 * re-armed by nearly every command, scanned from the earliest due instant. Autovacuum does this
 * on a server that runs it; on an embedded PGlite database, or a server with it switched off,
 * the dead rows of every fired timer stay in front of the live ones and each claim wades
 * through them.
 */
export async function vacuumTimers(db: Kysely<Database>): Promise<void> {
  await sql`vacuum (analyze) timers`.execute(db);
}

/** Milliseconds spent per phase of the demo. */
export class PhaseTimes<P extends string> {
  readonly ms: Record<P, number>;

  constructor(phases: readonly P[]) {
    this.ms = Object.fromEntries(phases.map((p) => [p, 0])) as Record<P, number>;
  }

  /** Runs `f`, adding its duration to `phase`. */
  async time<T>(phase: P, f: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await f();
    } finally {
      this.ms[phase] += performance.now() - started;
    }
  }
}

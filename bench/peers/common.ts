/**
 * Pieces shared by the peer modules: the two application tables, the closed-loop caller driver,
 * the completion registry and the clock that times a storm. Nothing here runs at import time.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { FourStepResult, TimerStormResult } from './types.ts';

const root = join(import.meta.dirname, '..', '..');

/** Version of an installed package, from its own package.json (its `exports` may hide that file). */
export function installedVersion(pkg: string): string {
  const manifest = JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

export function createPool(connectionString: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString, max });
  // An idle client dropped by the server must not crash the benchmark process.
  pool.on('error', () => {});
  return pool;
}

/** Creates `schema` with `approvals(id, step)` and `timers(id, fired_at)`; drops an older copy first. */
export async function createAppTables(pool: pg.Pool, schema: string): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.query(`CREATE SCHEMA ${schema}`);
  await pool.query(`CREATE TABLE ${schema}.approvals (id int PRIMARY KEY, step int NOT NULL DEFAULT 0)`);
  await pool.query(`CREATE TABLE ${schema}.timers (id int PRIMARY KEY, fired_at timestamptz)`);
}

/** Fresh rows 1..n at step 0 (or not fired), outside any timed section. */
export async function resetRows(pool: pg.Pool, schema: string, table: 'approvals' | 'timers', n: number): Promise<void> {
  await pool.query(`TRUNCATE ${schema}.${table}`);
  await pool.query(`INSERT INTO ${schema}.${table} (id) SELECT generate_series(1, $1::int)`, [n]);
}

/** Throws unless every row reached its final state: a run that lost work must not produce a figure. */
export async function verifyRows(pool: pg.Pool, schema: string, table: 'approvals' | 'timers', n: number): Promise<void> {
  const where = table === 'approvals' ? 'step = 4' : 'fired_at IS NOT NULL';
  const { rows } = await pool.query<{ done: string }>(`SELECT count(*) AS done FROM ${schema}.${table} WHERE ${where}`);
  if (Number(rows[0]!.done) !== n) throw new Error(`${schema}.${table}: ${rows[0]!.done} of ${n} rows finished`);
}

/** Runs `instances` calls of `runOne(id)` from `concurrency` callers, each waiting for its call to end. */
export async function closedLoop(instances: number, concurrency: number, runOne: (id: number) => Promise<void>): Promise<FourStepResult> {
  let next = 1;
  const latenciesMs: number[] = [];
  const t0 = performance.now();
  const caller = async (): Promise<void> => {
    while (next <= instances) {
      const id = next++;
      const start = performance.now();
      await runOne(id);
      latenciesMs.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, instances) }, caller));
  return { ms: performance.now() - t0, latenciesMs };
}

/** In-process map from instance id to the caller waiting for its last step. */
export class Completions {
  readonly #waiting = new Map<number, () => void>();

  /** Register before starting the instance, so a fast worker cannot finish it first. */
  wait(id: number): Promise<void> {
    return new Promise((resolve) => this.#waiting.set(id, resolve));
  }

  done(id: number): void {
    this.#waiting.get(id)?.();
    this.#waiting.delete(id);
  }
}

/** Counts handler commits of a storm and notes when the first, half and all had committed. */
export class FireClock {
  #fired = 0;
  #first?: number;
  #half?: number;
  #resolve!: (r: Omit<TimerStormResult, 'scheduleMs'>) => void;
  readonly result: Promise<Omit<TimerStormResult, 'scheduleMs'>>;

  /** @param dueAt epoch ms at which every timer is due; the figures are measured from it. */
  constructor(readonly n: number, readonly dueAt: number) {
    this.result = new Promise((resolve) => (this.#resolve = resolve));
  }

  /** Call after the transaction that fired `count` timers has committed. */
  record(count: number): void {
    const now = Date.now() - this.dueAt;
    this.#fired += count;
    this.#first ??= now;
    if (this.#half === undefined && this.#fired * 2 >= this.n) this.#half = now;
    if (this.#fired >= this.n) this.#resolve({ firstMs: this.#first, halfMs: this.#half!, allMs: now });
  }

  get fired(): number {
    return this.#fired;
  }
}

/** Scheduling a storm outlasted its lead time; the run is void and may be retried (the lead has been re-learnt). */
export class LateScheduleError extends Error {
  readonly code = 'LATE_SCHEDULE';
}

/**
 * Picks a storm's due instant far enough ahead for the peer to schedule every timer first:
 * `baseMs` + `margin` × the expected scheduling time. Expected is what the previous storm of the
 * same size took; for a new size, `fixedMs` + the cost per job observed in the previous storm
 * (at first the peer's guess) × the jobs.
 */
export class DueInstant {
  #perJobMs: number;
  readonly #lastBySize = new Map<number, number>();
  readonly #baseMs: number;
  readonly #margin: number;
  readonly #fixedMs: number;

  constructor(guessPerJobMs: number, readonly peer: string, options: { baseMs?: number; margin?: number; fixedMs?: number } = {}) {
    this.#perJobMs = guessPerJobMs;
    this.#baseMs = options.baseMs ?? 500;
    this.#margin = options.margin ?? 1.5;
    this.#fixedMs = options.fixedMs ?? 0;
  }

  /** Epoch ms at which `n` timers scheduled from now should all be due. */
  next(n: number): { dueAt: number; scheduled: () => number } {
    const start = Date.now();
    const expected = this.#lastBySize.get(n) ?? this.#fixedMs + n * this.#perJobMs;
    const dueAt = start + this.#baseMs + Math.ceil(expected * this.#margin);
    return {
      dueAt,
      /**
       * Call when scheduling is done; returns how long it took. Throws if it ran past the due
       * instant (the figures would start late).
       */
      scheduled: () => {
        const end = Date.now();
        this.#lastBySize.set(n, end - start);
        this.#perJobMs = Math.max(0, end - start - this.#fixedMs) / n;
        if (end > dueAt) throw new LateScheduleError(`${this.peer}: scheduling ${n} timers ended ${end - dueAt} ms after their due instant`);
        return end - start;
      },
    };
  }
}

/** Rejects after `ms` so one stuck run cannot eat the whole time budget. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not finished after ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Drives one peer through a plan and returns report rows (median/min/max over runs via
 * `bench/stats.ts`). Used by `bench/peers/run.ts`; the lead's `npm run bench` can call it too.
 */
import { LateScheduleError } from './common.ts';
import type { PeerBench, TimerStormResult } from './types.ts';

export interface PeerPlan {
  /** Runs of every measure (≥ 3 on this noisy machine). */
  runs: number;
  /** Closed-loop 4-step runs: callers (= workers) and instances per run. */
  fourStep: Array<{ concurrency: number; instances: number }>;
  /** Timer storm sizes. */
  storms: number[];
  /**
   * More runs of a storm size for the named peers: a 10,000-timer storm lasts well under a second,
   * so a peer's poll offset or a noisy neighbour moves a run by half its length.
   */
  stormRuns?: Record<number, { runs: number; peers: string[] }>;
  /** Storm sizes above this are skipped for the named peer, with the reason; see README. */
  stormCaps?: Record<string, { max: number; reason: string }>;
  /** Per peer, ms per timer (scheduling included) to estimate its first storm against the time budget. */
  stormPriorMsPerTimer?: Record<string, number>;
  /** Untimed warm-up instances after setup. */
  warmup: number;
}

export interface Row { name: string; values: number[] }

export interface PeerFigures {
  name: string;
  version: string;
  config: string;
  rows: Row[];
  /** Measures that failed or were skipped, each with its reason. */
  notes: string[];
  seconds: number;
}

/** Nearest-rank percentile of unsorted values. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Progress goes to stderr so stdout holds only the tables. */
const progress = (what: string, since: number) => console.error(`  ${what}: ${((Date.now() - since) / 1000).toFixed(1)} s`);

const count = (n: number) => n.toLocaleString('en-US');

/** A storm whose scheduling ran late is void; run it once more with the re-learnt lead time. */
async function stormWithRetry(peer: PeerBench, n: number, notes: string[]): Promise<TimerStormResult> {
  try {
    return await peer.timerStorm(n);
  } catch (error) {
    if (!(error instanceof LateScheduleError)) throw error;
    notes.push(`${error.message}; run repeated`);
    return await peer.timerStorm(n);
  }
}

/**
 * Guards the time budget. A storm's run is modelled as a fixed part (reset, the 500 ms lead, one
 * poll: ~1.5 s) plus a part linear in the timers, fitted on the peer's previous storm (or the plan's
 * prior for its first); a storm that would end after the deadline is refused. pg-boss scales worse than linear, so this can still
 * under-estimate. 4-step measures are refused only once the deadline has passed: their time per
 * instance falls steeply with concurrency, so the previous measure is no estimate.
 */
class Budget {
  static readonly fixedRunMs = 1500;
  #lastStorm?: { n: number; msPerRun: number };
  constructor(readonly deadlineAt: number, priorMsPerTimer?: number) {
    if (priorMsPerTimer !== undefined) this.#lastStorm = { n: 1, msPerRun: Budget.fixedRunMs + priorMsPerTimer };
  }

  /** Why the measure must be skipped, or undefined if it may run. */
  refuse(kind: '4-step' | 'storm', n: number, runs: number): string | undefined {
    const left = this.deadlineAt - Date.now();
    if (left <= 0) return 'skipped, time budget spent';
    if (kind === 'storm' && this.#lastStorm) {
      const perTimer = Math.max(0, this.#lastStorm.msPerRun - Budget.fixedRunMs) / this.#lastStorm.n;
      const estimate = runs * (Budget.fixedRunMs + perTimer * n);
      if (estimate > left) return `skipped, estimated ${Math.round(estimate / 1000)} s but ${Math.round(left / 1000)} s of the time budget left`;
    }
    return undefined;
  }

  recordStorm(n: number, runs: number, ms: number): void {
    this.#lastStorm = { n, msPerRun: ms / runs };
  }
}

/**
 * Sets the peer up, runs the plan and tears it down, even after a failure.
 * A failed run is noted and its measure keeps the runs that succeeded; a measure estimated to end
 * after `deadlineAt` (epoch ms) is skipped and noted, so one slow peer cannot hold the whole run.
 */
export async function measurePeer(peer: PeerBench, connectionString: string, plan: PeerPlan, deadlineAt = Infinity): Promise<PeerFigures> {
  const started = Date.now();
  const rows = new Map<string, number[]>();
  const notes: string[] = [];
  const add = (name: string, value: number) => rows.set(name, [...(rows.get(name) ?? []), value]);
  const budget = new Budget(deadlineAt, plan.stormPriorMsPerTimer?.[peer.name]);

  await peer.setup(connectionString);
  try {
    if (plan.warmup > 0) await peer.fourStep(plan.warmup, Math.min(8, plan.warmup));
    progress(`${peer.name} setup and warm-up`, started);
    for (const { concurrency, instances } of plan.fourStep) {
      const label = `4-step c=${concurrency} (${count(instances)} inst.)`;
      const refused = budget.refuse('4-step', instances, plan.runs);
      if (refused) { notes.push(`${label}: ${refused}`); continue; }
      const t0 = Date.now();
      for (let run = 0; run < plan.runs; run++) {
        try {
          const r = await peer.fourStep(instances, concurrency);
          add(`${label}: instances/s`, (instances * 1000) / r.ms);
          add(`${label}: p50 latency ms`, percentile(r.latenciesMs, 50));
          add(`${label}: p95 latency ms`, percentile(r.latenciesMs, 95));
        } catch (error) {
          notes.push(`${label} run ${run + 1}: ${(error as Error).message}`);
        }
      }
      progress(`${peer.name} ${label}`, t0);
    }
    for (const n of plan.storms) {
      const label = `storm ${count(n)}`;
      const cap = plan.stormCaps?.[peer.name];
      if (cap && n > cap.max) { notes.push(`${label}: not run, ${cap.reason}`); continue; }
      const more = plan.stormRuns?.[n];
      const runs = more?.peers.includes(peer.name) ? more.runs : plan.runs;
      const refused = budget.refuse('storm', n, runs);
      if (refused) { notes.push(`${label}: ${refused}`); continue; }
      const t0 = Date.now();
      for (let run = 0; run < runs; run++) {
        try {
          const r = await stormWithRetry(peer, n, notes);
          add(`${label}: first fired ms`, r.firstMs);
          add(`${label}: half fired ms`, r.halfMs);
          add(`${label}: all fired ms`, r.allMs);
          add(`${label}: scheduling ms (before due)`, r.scheduleMs);
        } catch (error) {
          notes.push(`${label} run ${run + 1}: ${(error as Error).message}`);
        }
      }
      budget.recordStorm(n, runs, Date.now() - t0);
      progress(`${peer.name} ${label}`, t0);
    }
  } finally {
    await peer.teardown();
  }
  return {
    name: peer.name, version: peer.version, config: peer.config,
    rows: [...rows].map(([name, values]) => ({ name, values })),
    notes, seconds: (Date.now() - started) / 1000,
  };
}

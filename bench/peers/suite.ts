/**
 * Drives peers through a plan — one, or several with their storms in turn — and returns their
 * rows, a value per run (reported as median/min/max by `bench/report.ts`). Used by
 * `bench/peers/run.ts` and `npm run bench`.
 */
import { inTurn } from '../in-turn.ts';
import { beforeStorm } from '../storm-prelude.ts';
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

  /** Estimated ms of `runs` storms of `n` timers; 0 before any storm and without a prior. */
  stormEstimate(n: number, runs: number): number {
    if (!this.#lastStorm) return 0;
    const perTimer = Math.max(0, this.#lastStorm.msPerRun - Budget.fixedRunMs) / this.#lastStorm.n;
    return runs * (Budget.fixedRunMs + perTimer * n);
  }

  /**
   * Why the measure must be skipped, or undefined if it may run; `aheadMs` is time others will
   * take before this measure ends (peers whose storms run in turn with it).
   */
  refuse(kind: '4-step' | 'storm', n: number, runs: number, aheadMs = 0): string | undefined {
    const left = this.deadlineAt - Date.now();
    if (left <= 0) return 'skipped, time budget spent';
    if (kind === 'storm') {
      const estimate = this.stormEstimate(n, runs) + aheadMs;
      if (estimate > left) return `skipped, estimated ${Math.round(estimate / 1000)} s but ${Math.round(left / 1000)} s of the time budget left`;
    }
    return undefined;
  }

  recordStorm(n: number, runs: number, ms: number): void {
    this.#lastStorm = { n, msPerRun: ms / runs };
  }
}

/** A peer's rows (name → one value per run) and notes, as they are measured. */
class Measures {
  readonly rows = new Map<string, number[]>();
  readonly notes: string[] = [];

  add(name: string, value: number): void {
    this.rows.set(name, [...(this.rows.get(name) ?? []), value]);
  }

  list(): Row[] {
    return [...this.rows].map(([name, values]) => ({ name, values }));
  }
}

/** Untimed warm-up, then the closed-loop 4-step measures of `plan` on a peer already set up. */
async function measureFourStep(peer: PeerBench, plan: PeerPlan, budget: Budget, m: Measures): Promise<void> {
  const started = Date.now();
  if (plan.warmup > 0) await peer.fourStep(plan.warmup, Math.min(8, plan.warmup));
  progress(`${peer.name} warm-up`, started);
  for (const { concurrency, instances } of plan.fourStep) {
    const label = `4-step c=${concurrency} (${count(instances)} inst.)`;
    const refused = budget.refuse('4-step', instances, plan.runs);
    if (refused) { m.notes.push(`${label}: ${refused}`); continue; }
    const t0 = Date.now();
    for (let run = 0; run < plan.runs; run++) {
      try {
        const r = await peer.fourStep(instances, concurrency);
        m.add(`${label}: instances/s`, (instances * 1000) / r.ms);
        m.add(`${label}: p50 latency ms`, percentile(r.latenciesMs, 50));
        m.add(`${label}: p95 latency ms`, percentile(r.latenciesMs, 95));
      } catch (error) {
        m.notes.push(`${label} run ${run + 1}: ${(error as Error).message}`);
      }
    }
    progress(`${peer.name} ${label}`, t0);
  }
}

/**
 * The storms of `plan` for peers already set up, size by size, each size's runs in turn (see
 * `inTurn`), each run after `beforeStorm` (a checkpoint, then the CPU probe, recorded). A peer
 * whose runs of a size would end after its budget's deadline, counting the runs of the peers
 * before it that have a deadline, sits that size out, noted.
 */
async function measureStorms(peers: ReadonlyArray<{ peer: PeerBench; budget: Budget; m: Measures }>, plan: PeerPlan, connectionString: string): Promise<void> {
  for (const n of plan.storms) {
    const label = `storm ${count(n)}`;
    const taking: Array<{ peer: PeerBench; budget: Budget; m: Measures; runs: number; ms: number }> = [];
    let aheadMs = 0;
    for (const { peer, budget, m } of peers) {
      const cap = plan.stormCaps?.[peer.name];
      if (cap && n > cap.max) { m.notes.push(`${label}: not run, ${cap.reason}`); continue; }
      const more = plan.stormRuns?.[n];
      const runs = more?.peers.includes(peer.name) ? more.runs : plan.runs;
      const refused = budget.refuse('storm', n, runs, aheadMs);
      if (refused) { m.notes.push(`${label}: ${refused}`); continue; }
      // A peer without a deadline (govflow: it always runs its whole plan) is not estimated: its runs'
      // fixed part (a fresh schema, the timer threads' start, the lead) is far from this model's.
      if (Number.isFinite(budget.deadlineAt)) aheadMs += budget.stormEstimate(n, runs);
      taking.push({ peer, budget, m, runs, ms: 0 });
    }
    const t0 = Date.now();
    await inTurn(taking, (t) => t.runs, async (t, run) => {
      const s0 = Date.now();
      try {
        const prelude = await beforeStorm(connectionString);
        t.m.add(`${label}: CPU probe ms (just before)`, prelude.probeMs);
        if (prelude.noCheckpoint !== undefined && run === 0) t.m.notes.push(`${label}: no checkpoint before the runs (${prelude.noCheckpoint})`);
        const r = await stormWithRetry(t.peer, n, t.m.notes);
        t.m.add(`${label}: first fired ms`, r.firstMs);
        t.m.add(`${label}: half fired ms`, r.halfMs);
        t.m.add(`${label}: all fired ms`, r.allMs);
        t.m.add(`${label}: scheduling ms (before due)`, r.scheduleMs);
      } catch (error) {
        t.m.notes.push(`${label} run ${run + 1}: ${(error as Error).message}`);
      }
      t.ms += Date.now() - s0;
    });
    for (const t of taking) t.budget.recordStorm(n, t.runs, t.ms);
    if (taking.length > 0) progress(`${taking.map((t) => t.peer.name).join(', ')} ${label}`, t0);
  }
}

const figuresOf = (peer: PeerBench, m: Measures, started: number): PeerFigures => ({
  name: peer.name, version: peer.version, config: peer.config, rows: m.list(), notes: m.notes, seconds: (Date.now() - started) / 1000,
});

/**
 * Sets the peer up, runs the plan and tears it down, even after a failure.
 * A failed run is noted and its measure keeps the runs that succeeded; a measure estimated to end
 * after `deadlineAt` (epoch ms) is skipped and noted, so one slow peer cannot hold the whole run.
 */
export async function measurePeer(peer: PeerBench, connectionString: string, plan: PeerPlan, deadlineAt = Infinity): Promise<PeerFigures> {
  return (await measurePeersInTurn([{ peer, deadlineAt }], connectionString, plan))[0]!;
}

/**
 * Sets the peers up, measures their 4-step workloads one peer after another, then their storms in
 * turn, run by run (see `measureStorms`), and tears them all down, even after a failure. Each peer
 * keeps to its own deadline (epoch ms), as in `measurePeer`; `seconds` of each is the whole call's.
 */
export async function measurePeersInTurn(
  peers: ReadonlyArray<{ peer: PeerBench; deadlineAt: number }>,
  connectionString: string,
  plan: PeerPlan,
): Promise<PeerFigures[]> {
  const started = Date.now();
  const each = peers.map(({ peer, deadlineAt }) => ({ peer, budget: new Budget(deadlineAt, plan.stormPriorMsPerTimer?.[peer.name]), m: new Measures() }));
  const set: PeerBench[] = [];
  try {
    for (const { peer } of each) {
      const t0 = Date.now();
      await peer.setup(connectionString);
      set.push(peer);
      progress(`${peer.name} setup`, t0);
    }
    for (const { peer, budget, m } of each) await measureFourStep(peer, plan, budget, m);
    await measureStorms(each, plan, connectionString);
  } finally {
    for (const peer of set) await peer.teardown();
  }
  return each.map(({ peer, m }) => figuresOf(peer, m, started));
}

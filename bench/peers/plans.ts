/** The full and quick plans of `bench/peers/run.ts`, sized for the 2-core machine. */
import type { PeerPlan } from './suite.ts';

const DBOS_STORM_CAP = {
  max: 10_000,
  reason: 'DBOS enqueues one workflow per call (≈ 700–1,300/s here), so scheduling 100,000 alone takes ' +
    '80–140 s and firing them about as long again: three runs do not fit the 8-minute budget',
};

/** Measured here under load (≈ 9–20): a storm's run time per timer, scheduling and lead included. */
const STORM_PRIORS = { 'pg-boss': 0.25, 'graphile-worker': 0.6, '@dbos-inc/dbos-sdk': 3.5 };

/** Full run: ≤ 8 minutes on the 2-core machine (564 s with 100 / 500 / 1,000 instances at load 12–29; 466 s with these at load 9–14). */
export const FULL_PLAN: PeerPlan = {
  runs: 3,
  warmup: 40,
  fourStep: [{ concurrency: 1, instances: 50 }, { concurrency: 8, instances: 400 }, { concurrency: 32, instances: 800 }],
  storms: [10_000, 100_000],
  stormRuns: { 10_000: { runs: 5, peers: ['govflow', 'pg-boss', 'graphile-worker'] } },
  stormCaps: { '@dbos-inc/dbos-sdk': DBOS_STORM_CAP },
  stormPriorMsPerTimer: STORM_PRIORS,
};

/** Quick run, a smoke test of every peer and measure, each once: about 30 s for the peers unless the machine is overloaded (then the budget guard skips storms). */
export const QUICK_PLAN: PeerPlan = {
  runs: 1,
  warmup: 4,
  fourStep: [{ concurrency: 1, instances: 5 }, { concurrency: 8, instances: 24 }, { concurrency: 32, instances: 64 }],
  storms: [1_000],
  stormPriorMsPerTimer: STORM_PRIORS,
};

/** The full and quick plans of `bench/peers/run.ts`, sized for the 2-core machine. */
import type { PeerPlan } from './suite.ts';

const DBOS_STORM_CAP = {
  max: 10_000,
  reason: 'DBOS enqueues one workflow per call (≈ 1,000–1,300/s here), so scheduling 100,000 alone takes ' +
    '80–100 s and firing them as long again: three runs do not fit the 8-minute budget',
};

/** Full run: ≤ 8 minutes on the 2-core machine. */
export const FULL_PLAN: PeerPlan = {
  runs: 3,
  warmup: 40,
  fourStep: [{ concurrency: 1, instances: 100 }, { concurrency: 8, instances: 500 }, { concurrency: 32, instances: 1_000 }],
  storms: [10_000, 100_000],
  stormCaps: { '@dbos-inc/dbos-sdk': DBOS_STORM_CAP },
};

/** Quick run: ≤ 1 minute. */
export const QUICK_PLAN: PeerPlan = {
  runs: 3,
  warmup: 8,
  fourStep: [{ concurrency: 1, instances: 10 }, { concurrency: 8, instances: 40 }, { concurrency: 32, instances: 96 }],
  storms: [1_000, 10_000],
  stormCaps: { '@dbos-inc/dbos-sdk': { max: 1_000, reason: 'its 10,000-timer storm alone takes ≈ 20 s a run (see the full run)' } },
};

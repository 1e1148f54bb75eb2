/** Peer benchmarks for `npm run bench`: one factory per peer, the suite that drives them, the plans. */
export type { FourStepResult, PeerBench, TimerStormResult } from './types.ts';
export { pgBossPeer, type PgBossPeerOptions } from './pg-boss.ts';
export { graphileWorkerPeer, type GraphileWorkerPeerOptions } from './graphile-worker.ts';
export { dbosPeer, type DbosPeerOptions } from './dbos.ts';
export { measurePeer, percentile, type PeerFigures, type PeerPlan, type Row } from './suite.ts';
export { FULL_PLAN, QUICK_PLAN } from './plans.ts';
export { describeMachine, openPeerDatabase, type PeerDatabase } from './database.ts';

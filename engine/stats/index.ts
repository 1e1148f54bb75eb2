export { STATS_PROFILES, profileFor, type IntervalRule, type MilestoneRule, type OutcomeClass, type StatsProfile } from './profiles.ts';
export { histogramTotals, percentile, percentileOfHistogram, ratio } from './percentile.ts';
export { amountBetween, leafStates, workingDaysBetween } from './working-time.ts';
export {
  advanceFacts,
  advanceFactsInPlace,
  openFacts,
  type ClockFact,
  type DailyCounter,
  type DailyKey,
  type FactsContext,
  type InstanceFacts,
  type InstanceIdentity,
  type StatsDelta,
  type StepObservation,
} from './instance-facts.ts';

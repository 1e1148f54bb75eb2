/** Result of one 4-step run: wall time and, per instance, start → last step committed. */
export interface FourStepResult {
  ms: number;
  latenciesMs: number[];
}

/** Result of one timer storm, each figure measured from the instant all timers were due. */
export interface TimerStormResult {
  firstMs: number;
  halfMs: number;
  allMs: number;
  /** How long scheduling the `n` timers took (before the due instant; not part of the three figures). */
  scheduleMs: number;
}

/**
 * One peer engine driven through the same two workloads as govflow.
 * Lifecycle: `setup` once, any number of `fourStep` / `timerStorm` runs (each resets its own tables
 * first, outside the timed part), then `teardown`, which drops everything `setup` created.
 */
export interface PeerBench {
  /** Package name as installed. */
  readonly name: string;
  /** Installed version, read from the package's own package.json. */
  readonly version: string;
  /** The configuration used, in words, for the report. */
  readonly config: string;
  setup(connectionString: string): Promise<void>;
  /**
   * Runs `instances` approvals of 4 durable steps (start + 3), each step updating `approvals.step`,
   * with `concurrency` closed-loop callers (each starts one instance and waits for its last step)
   * and as many workers. Resolves when every instance has finished.
   */
  fourStep(instances: number, concurrency: number): Promise<FourStepResult>;
  /**
   * Schedules `n` delayed jobs all due at one future instant, then measures from that instant the
   * time to the first, the n/2-th and the n-th handler commit (each sets `timers.fired_at`).
   */
  timerStorm(n: number): Promise<TimerStormResult>;
  teardown(): Promise<void>;
}

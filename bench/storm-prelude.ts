import pg from 'pg';

/** The probe's input: a small document like the ones an engine parses and writes all day. */
const PROBE_TEXT = JSON.stringify({
  id: 'probe',
  value: { review: 'pending', payment: 'waiting' },
  data: { applicant: '申请人', items: [1, 2, 3, 4, 5], note: 'x'.repeat(120) },
  timers: { 'clock:reply:expiry': 1796663231802 },
});

/**
 * Milliseconds a fixed piece of CPU work takes now (20,000 JSON parse-and-write round trips of a
 * small document: 53–90 ms here over one idle minute). Measured before every storm run, it shows how
 * fast this shared machine was at that moment: a storm is CPU-bound, so a slow probe beside a slow
 * run says the machine, not the engine, was slow.
 */
export function cpuProbeMs(): number {
  // Untimed first: the timed part must measure the machine, not the compiler warming up.
  roundTrips(2_000);
  const t0 = performance.now();
  roundTrips(20_000);
  return performance.now() - t0;
}

function roundTrips(n: number): void {
  let written = 0;
  for (let i = 0; i < n; i++) written += JSON.stringify(JSON.parse(PROBE_TEXT)).length;
  if (written === 0) throw new Error('internal: the CPU probe wrote nothing');
}

/** What `beforeStorm` did. */
export interface StormPrelude {
  /** `cpuProbeMs` just before the run. */
  probeMs: number;
  /** Why no checkpoint was taken (the role may not run CHECKPOINT); undefined when one was. */
  noCheckpoint?: string;
}

/**
 * Run before every storm run of every engine, untimed: a CHECKPOINT, so that no run's timed part
 * pays for a checkpoint set off by the WAL the runs before it wrote (inside a storm, a checkpoint
 * makes each page the storm then first changes go to the WAL whole: half as much WAL again for
 * govflow's storm), and then the CPU probe.
 */
export async function beforeStorm(connectionString: string): Promise<StormPrelude> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  let noCheckpoint: string | undefined;
  try {
    await client.query('checkpoint');
  } catch (error) {
    // PostgreSQL 15 lets superusers and members of pg_checkpoint run it; the storms still run without.
    if ((error as { code?: string }).code !== '42501') throw error;
    noCheckpoint = (error as Error).message;
  } finally {
    await client.end();
  }
  return { probeMs: cpuProbeMs(), ...(noCheckpoint !== undefined ? { noCheckpoint } : {}) };
}

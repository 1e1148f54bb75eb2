import type { Kysely } from 'kysely';
import { addDays, startOfLocalDay } from '../../../engine/calendar/index.ts';
import { leafStates } from '../../../engine/stats/index.ts';
import type { Calendar } from '../../../engine/calendar/types.ts';
import { TestClock } from '../../runtime/clock.ts';
import type { Command, StartCommand } from '../../runtime/commands.ts';
import { defaultEngine, type CompiledDefinition, type EnginePort, type InstanceSnapshot } from '../../runtime/engine-port.ts';
import { createRuntime } from '../../runtime/runtime.ts';
import type { Database } from '../../storage/database.ts';
import { uuidArray } from '../../storage/sql-array.ts';
import { TimerScheduler } from '../../timers/timer-scheduler.ts';
import { decide, type Decision, type SimulatedCase } from './case-agent.ts';
import { PhaseTimes, submitAll, timersDue, vacuumTimers } from './demo-runtime.ts';
import { arrivalsFor, DEMO_REGIONS, demoCatalog, drawPersona } from './demo-cases.ts';
import { afterExpiry, nextDecisionAt } from './next-decision.ts';
import { arrivalsOn } from './office-time.ts';
import { SeededRandom } from './seeded-random.ts';
import { synthesize } from './synthesize.ts';
import { TimeQueue } from './time-queue.ts';

export interface DemoOptions {
  db: Kysely<Database>;
  /** Definitions to start cases of (licensing, tender, auction, document categories). */
  definitions: readonly CompiledDefinition[];
  /** Working-day calendar for office hours and arrivals (`cn-mainland`). */
  calendar: Calendar;
  /** Days of arrivals. */
  days: number;
  /** Licensing applications per working day (other categories in proportion). Default 300. */
  perDay?: number;
  seed: number;
  /** First day, Asia/Shanghai. Default 2026-01-05. */
  start?: string;
  /** Days the clock runs on after the last arrivals, so cases can finish. Default 0. */
  drainDays?: number;
  engine?: EnginePort;
  /** Commands per transaction and transactions in flight of the runtime's group commit. Default 200 and 2. */
  groupCommit?: { maxBatch: number; concurrency: number };
  /** Called after each simulated day. */
  onDay?: (progress: DemoProgress) => void | Promise<void>;
}

export interface DemoProgress {
  day: number;
  of: number;
  date: string;
  started: number;
  commands: number;
  timersFired: number;
}

export interface DemoReport extends DemoProgress {
  seed: number;
  start: string;
  /** Instant the virtual clock stopped at, epoch ms. */
  end: number;
  /** Cases that ended, by outcome. */
  outcomes: Record<string, number>;
  /** Cases still open at the end. */
  open: number;
  /** Cases given up on because no command applied for a long time. */
  stuck: number;
  /** Commands the runtime refused (should be 0: every command is dry-run first). */
  refused: number;
  /** Where the time went, ms: commands through the runtime, timers fired, choosing what cases do (reads included), vacuuming `timers` each day. */
  timing: Record<DemoPhase, number>;
}

const PHASES = ['commands', 'timers', 'simulation', 'vacuum'] as const;
export type DemoPhase = (typeof PHASES)[number];

const HOUR = 3_600_000;
const MAX_DECISIONS = 80;
const PUBLISHER = { id: 'govflow-demo', role: 'system' };

/**
 * Replays a realistic workload through the real runtime on a virtual clock: cases arrive during
 * office hours (a trickle online on other days), staff and applicants act on them by reading
 * each definition's states and events (see `case-agent.ts`), and due timers fire as the clock
 * advances — hour by hour, timers first, then every command due in that hour, submitted at once
 * through the runtime's group commit. All randomness comes from `seed`. The database must be migrated.
 */
export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const rng = new SeededRandom(options.seed);
  const engine = options.engine ?? defaultEngine;
  const start = options.start ?? '2026-01-05';
  const perDay = options.perDay ?? 300;
  const totalDays = options.days + (options.drainDays ?? 0);
  const clock = new TestClock(startOfLocalDay(start));
  const runtime = createRuntime({ db: options.db, clock, engine, groupCommit: options.groupCommit ?? { maxBatch: 200, concurrency: 2 } });
  const phases = new PhaseTimes(PHASES);
  // One claim lane: the demo drains only when something is due, and a second lane would claim nothing.
  const scheduler = new TimerScheduler({ db: options.db, runtime, clock, batchSize: 5000, concurrency: 1 });
  for (const def of options.definitions) await runtime.publish(def, PUBLISHER);
  const catalog = demoCatalog(options.definitions, rng);
  const queue = new TimeQueue<{ c: SimulatedCase; start?: StartCommand }>();
  const report: DemoReport = {
    seed: options.seed,
    start,
    end: clock.now(),
    day: 0,
    of: totalDays,
    date: start,
    started: 0,
    commands: 0,
    timersFired: 0,
    outcomes: {},
    open: 0,
    stuck: 0,
    refused: 0,
    timing: phases.ms,
  };
  const live = new Set<SimulatedCase>();

  for (let d = 0; d < totalDays; d++) {
    const date = addDays(start, d);
    if (d < options.days) {
      const graphs = arrivalsFor(catalog, perDay, options.calendar.isWorkingDay(date), rng);
      const times = arrivalsOn(options.calendar, date, graphs.length, rng);
      graphs.forEach((graph, i) => {
        const region = rng.weighted(DEMO_REGIONS);
        const c: SimulatedCase = { no: ++report.started, instanceId: rng.uuid(), graph, persona: drawPersona(rng), region, taken: new Set(), failed: new Set(), chosen: new Map(), decisions: 0 };
        const data = synthesize(graph.def.resolved.data ?? { type: 'object' }, rng, (_path, values) => rng.pick(values)) as Record<string, unknown>;
        const startCommand: StartCommand = {
          kind: 'start',
          instanceId: c.instanceId,
          definition: graph.def,
          data,
          actor: { id: `applicant-${c.no}`, role: 'applicant', region },
          department: graph.def.department,
          region,
        };
        queue.push(times[i] as number, { c, start: startCommand });
      });
    }
    const dayStart = startOfLocalDay(date);
    for (let hour = 1; hour <= 24; hour++) {
      const tick = dayStart + hour * HOUR;
      if (queue.peekTime() === undefined || (queue.peekTime() as number) >= tick) continue;
      clock.set(tick);
      await fireTimers();
      await runTick(queue.popUntil(tick));
    }
    clock.set(dayStart + 24 * HOUR);
    await fireTimers();
    await phases.time('vacuum', () => vacuumTimers(options.db));
    report.day = d + 1;
    report.date = date;
    await options.onDay?.({ day: report.day, of: totalDays, date, started: report.started, commands: report.commands, timersFired: report.timersFired });
  }
  report.open = live.size;
  report.end = clock.now();
  await runtime.close();
  return report;

  async function fireTimers(): Promise<void> {
    await phases.time('timers', async () => {
      if (await timersDue(options.db, clock.now())) report.timersFired += (await scheduler.drain()).fired;
    });
  }

  async function runTick(due: Array<{ c: SimulatedCase; start?: StartCommand }>): Promise<void> {
    const { commands, pending } = await phases.time('simulation', () => chooseCommands(due));
    if (commands.length === 0) return;
    const outcomes = await phases.time('commands', () => submitAll(runtime, commands));
    report.commands += commands.length;
    const now = clock.now();
    outcomes.forEach((outcome, i) => {
      const { c, start: started, kind } = pending[i] as (typeof pending)[number];
      if (!outcome.ok) {
        report.refused += 1;
        if (started) live.delete(c);
        else queue.push(now + HOUR, { c });
        return;
      }
      if (outcome.result.status === 'done') {
        finish(c, outcome.result.outcome);
        return;
      }
      // The state the command led to, and the tasks of its states, say who acts next and when.
      const snap = configuration(c, outcome.result.state as InstanceSnapshot['value']);
      queue.push(nextDecisionAt(c, snap, now, options.calendar, rng, kind), { c });
    });
  }

  /** What each due case does now, read from its stored snapshot, as commands. */
  async function chooseCommands(due: Array<{ c: SimulatedCase; start?: StartCommand }>) {
    const now = clock.now();
    const ids = due.filter((d) => !d.start).map((d) => d.c.instanceId);
    const snapshots = new Map<string, InstanceSnapshot>();
    if (ids.length > 0) {
      const rows = await options.db.selectFrom('instances').select(['id', 'snapshot']).where('id', '=', (eb) => eb.fn.any(uuidArray(ids))).execute();
      for (const r of rows) snapshots.set(r.id, r.snapshot as InstanceSnapshot);
    }
    const commands: Command[] = [];
    const pending: Array<{ c: SimulatedCase; start?: boolean; kind?: Decision['kind'] }> = [];
    for (const { c, start: startCommand } of due) {
      if (startCommand) {
        commands.push(startCommand);
        pending.push({ c, start: true });
        live.add(c);
        continue;
      }
      const snap = snapshots.get(c.instanceId);
      if (!snap || snap.status === 'done') {
        finish(c, snap?.outcome);
        continue;
      }
      if (c.persona.forget && !c.taken.has('forget')) {
        c.taken.add('forget');
        const later = afterExpiry(c, snap, now);
        if (later !== undefined) {
          queue.push(later, { c });
          continue;
        }
      }
      c.decisions += 1;
      const decision = c.decisions > MAX_DECISIONS ? undefined : decide(c, snap, now, engine, rng);
      if (!decision) {
        if (c.decisions > MAX_DECISIONS) {
          report.stuck += 1;
          live.delete(c);
        } else {
          queue.push(nextDecisionAt(c, snap, now, options.calendar, rng), { c });
        }
        continue;
      }
      if (decision.flavor) c.taken.add(decision.flavor);
      if (decision.kind === 'extension') c.taken.add('extension');
      commands.push({
        kind: 'send',
        instanceId: c.instanceId,
        event: { type: decision.event, ...(decision.payload ? { payload: decision.payload } : {}) },
        actor: decision.actor,
      });
      pending.push({ c, kind: decision.kind });
    }
    return { commands, pending };
  }

  function finish(c: SimulatedCase, outcome: string | null | undefined): void {
    if (!live.delete(c)) return;
    report.outcomes[outcome ?? 'unknown'] = (report.outcomes[outcome ?? 'unknown'] ?? 0) + 1;
  }
}

/** A stand-in snapshot after a command: the state value, and the tasks of its leaf states. */
function configuration(c: SimulatedCase, value: InstanceSnapshot['value']): InstanceSnapshot {
  const tasks: InstanceSnapshot['tasks'] = {};
  for (const leaf of leafStates(value)) {
    const task = c.graph.def.tasks.get(leaf);
    if (task) tasks[task.id] = { id: task.id, state: leaf, title: task.title ?? { zh: task.id }, role: task.role, department: '', mode: task.mode ?? 'single', assignees: [], votes: [], openedAt: 0 };
  }
  return { definition: { id: c.graph.def.id, version: c.graph.def.version }, value, data: {}, clocks: {}, tasks, status: 'active', department: c.graph.def.department, timers: {}, seq: 1, startedAt: 0 };
}

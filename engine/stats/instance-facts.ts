import type { Calendar } from '../calendar/types.ts';
import { cloneJson } from '../step/clone-json.ts';
import { activeStates } from '../step/run-machine.ts';
import type { ClockState, Effect, InstanceSnapshot } from '../step/types.ts';
import type { OutcomeClass, StatsProfile } from './profiles.ts';
import { amountBetween, leafStates, pausedWorkingDays, statsDay, workingDaysBetween } from './working-time.ts';

/** A limit clock as statistics see it. */
export interface ClockFact {
  /** Due instant as of the last start, resume or extension (epoch ms); null when the clock never ran. */
  due: number | null;
  /** True while the clock runs (not paused, not stopped): only then can the case be overdue now. */
  running: boolean;
  /** Once stopped: whether it stopped by its due instant. Null while it runs or when it never ran. */
  met: boolean | null;
}

/** Everything statistics keep about one instance, rebuilt from its audit events alone. Plain JSON. */
export interface InstanceFacts {
  instanceId: string;
  definitionId: string;
  definitionVersion: number;
  category: string;
  department: string;
  region: string;
  /** Seq of the last audit event applied. */
  seq: number;
  receivedAt: number;
  /** First instant of each profile milestone reached (`accepted`, `decided`, …). */
  milestones: Record<string, number>;
  endedAt: number | null;
  outcome: string | null;
  outcomeClass: OutcomeClass | null;
  /** Leaf states active now, each with the instant it was entered. */
  leaves: Record<string, number>;
  /** When the set of active leaf states last changed. */
  stateSince: number;
  /** Working days excluded by pauses of the statutory clock; set when the instance ends. */
  pausedWd: number;
  /** Completed instances: working days from acceptance (else receipt) to the end, minus `pausedWd`. */
  durationWd: number | null;
  promised: ClockFact;
  statutory: ClockFact;
  urgent: boolean;
  /** Alerts raised, by level. */
  cards: Record<string, number>;
}

/** Per-day counters of `stats_daily`. */
export type DailyCounter =
  | 'received'
  | 'accepted'
  | 'notAccepted'
  | 'denied'
  | 'withdrawn'
  | 'completed'
  | 'promisedMet'
  | 'statutoryMet'
  | 'pausedCases'
  | 'pausedWd';

/** Department, item (definition id), region and Asia/Shanghai day a figure is counted under. */
export interface DailyKey {
  department: string;
  day: string;
  definitionId: string;
  region: string;
}

/** An addition to the aggregate tables. Facts only ever add: nothing is subtracted later. */
export type StatsDelta =
  | { kind: 'daily'; key: DailyKey; counter: DailyCounter; amount: number }
  | { kind: 'duration'; key: DailyKey; wd: number }
  | { kind: 'alert'; key: DailyKey; level: string }
  | { kind: 'dwell'; definitionId: string; state: string; day: string; wd: number; ms: number }
  | { kind: 'interval'; key: DailyKey; interval: string; value: number };

/** One applied audit event: the snapshots around it and the effects the engine returned. */
export interface StepObservation {
  type: string;
  seq: number;
  /** `occurred_at`, epoch ms. */
  at: number;
  /** Undefined for the start event. */
  before: InstanceSnapshot | undefined;
  after: InstanceSnapshot;
  effects: readonly Effect[];
}

export interface FactsContext {
  profile: StatsProfile;
  /** Calendar working days are counted in (`cn-mainland`). */
  calendar: Calendar;
}

export interface InstanceIdentity {
  instanceId: string;
  definitionId: string;
  definitionVersion: number;
  category: string;
}

const NO_CLOCK: ClockFact = { due: null, running: false, met: null };

/** The first clock of `names` that has started in `snapshot`. */
function firstStarted(snapshot: InstanceSnapshot, names: readonly string[]): ClockState | undefined {
  for (const name of names) {
    const state = snapshot.clocks[name];
    if (state && state.status !== 'idle') return state;
  }
  return undefined;
}

function clockFact(state: ClockState | undefined): ClockFact {
  if (!state || state.status === 'idle') return NO_CLOCK;
  const due = state.due ?? null;
  const met = state.status === 'stopped' && state.stoppedAt !== undefined && due !== null ? state.stoppedAt <= due : null;
  return { due, running: state.status === 'running', met };
}

/**
 * Facts and aggregate additions of an instance's start event. Pure.
 * @throws CalendarError when an instant lies outside the years 0000–9999.
 */
export function openFacts(identity: InstanceIdentity, observation: StepObservation, ctx: FactsContext): { facts: InstanceFacts; deltas: StatsDelta[] } {
  const snapshot = observation.after;
  const facts: InstanceFacts = {
    ...identity,
    department: snapshot.department,
    region: snapshot.region ?? '',
    seq: 0,
    receivedAt: observation.at,
    milestones: {},
    endedAt: null,
    outcome: null,
    outcomeClass: null,
    leaves: {},
    stateSince: observation.at,
    pausedWd: 0,
    durationWd: null,
    promised: NO_CLOCK,
    statutory: NO_CLOCK,
    urgent: false,
    cards: {},
  };
  const deltas: StatsDelta[] = [{ kind: 'daily', key: keyOf(facts, observation.at), counter: 'received', amount: 1 }];
  return advance(facts, observation, ctx, deltas);
}

/**
 * Facts after one more audit event, and the aggregate additions it causes. Pure: `facts` is not
 * modified.
 * @throws Error when `observation.seq` is not the next seq of the instance.
 */
export function advanceFacts(facts: InstanceFacts, observation: StepObservation, ctx: FactsContext): { facts: InstanceFacts; deltas: StatsDelta[] } {
  if (observation.seq !== facts.seq + 1) {
    throw new Error(`统计投影顺序错误 instance ${facts.instanceId}: expected seq ${facts.seq + 1}, got ${observation.seq}`);
  }
  return advance(cloneJson(facts), observation, ctx, []);
}

/**
 * `advanceFacts` for a caller that owns `facts`: updates `facts` itself instead of a copy and
 * appends the additions to `deltas`, saving a copy of the facts for every event of a batch.
 * @throws Error when `observation.seq` is not the next seq of the instance.
 */
export function advanceFactsInPlace(facts: InstanceFacts, observation: StepObservation, ctx: FactsContext, deltas: StatsDelta[]): InstanceFacts {
  if (observation.seq !== facts.seq + 1) {
    throw new Error(`统计投影顺序错误 instance ${facts.instanceId}: expected seq ${facts.seq + 1}, got ${observation.seq}`);
  }
  return advance(facts, observation, ctx, deltas).facts;
}

function keyOf(facts: InstanceFacts, at: number): DailyKey {
  return { department: facts.department, day: statsDay(at), definitionId: facts.definitionId, region: facts.region };
}

function advance(facts: InstanceFacts, obs: StepObservation, ctx: FactsContext, deltas: StatsDelta[]): { facts: InstanceFacts; deltas: StatsDelta[] } {
  const { profile, calendar } = ctx;
  const { at, after } = obs;
  facts.seq = obs.seq;

  for (const effect of obs.effects) {
    if (effect.type !== 'raise-alert') continue;
    const level = effect.alert.level;
    facts.cards[level] = (facts.cards[level] ?? 0) + 1;
    deltas.push({ kind: 'alert', key: keyOf(facts, at), level });
  }

  const leaves = leafStates(after.value);
  let leavesChanged = false;
  for (const [state, since] of Object.entries(facts.leaves)) {
    if (leaves.includes(state)) continue;
    deltas.push({ kind: 'dwell', definitionId: facts.definitionId, state, day: statsDay(at), wd: workingDaysBetween(calendar, since, at), ms: at - since });
    delete facts.leaves[state];
    leavesChanged = true;
  }
  for (const state of leaves) {
    if (facts.leaves[state] !== undefined) continue;
    facts.leaves[state] = at;
    leavesChanged = true;
  }
  if (leavesChanged) facts.stateSince = at;

  const activeBefore = obs.before ? activeStates(obs.before.value) : new Set<string>();
  const entered = [...activeStates(after.value)].filter((s) => !activeBefore.has(s));
  const started = new Set(obs.effects.flatMap((e) => (e.type === 'clock' && e.change === 'started' ? [e.clock] : [])));
  const reached: string[] = [];
  for (const [name, rule] of Object.entries(profile.milestones)) {
    if (facts.milestones[name] !== undefined) continue;
    const clocks = (rule.clockStarted ?? []).filter((c) => started.has(c));
    const hit = clocks.length > 0 || (rule.entered ?? []).some((s) => entered.includes(s)) || (rule.events ?? []).includes(obs.type);
    if (!hit) continue;
    // A clock started by law at an earlier instant (deemed acceptance counts from receipt, 行政许可法
    // Art. 32) sets the milestone at that instant; otherwise it is the event's own.
    const instant = Math.min(at, ...clocks.map((c) => after.clocks[c]?.startedAt ?? at));
    facts.milestones[name] = instant;
    reached.push(name);
    if (name === 'accepted') deltas.push({ kind: 'daily', key: keyOf(facts, instant), counter: 'accepted', amount: 1 });
  }
  for (const [name, rule] of Object.entries(profile.intervals)) {
    if (!reached.includes(rule.to)) continue;
    const from = rule.from === 'received' ? facts.receivedAt : facts.milestones[rule.from];
    if (from === undefined) continue;
    const to = facts.milestones[rule.to] as number;
    deltas.push({ kind: 'interval', key: keyOf(facts, to), interval: name, value: amountBetween(calendar, from, to, rule.unit) });
  }

  facts.promised = clockFact(firstStarted(after, profile.promisedClocks));
  facts.statutory = clockFact(firstStarted(after, profile.statutoryClocks));
  const urgentValue = profile.urgent ? after.data[profile.urgent.field] : undefined;
  facts.urgent = typeof urgentValue === 'string' && (profile.urgent?.values ?? []).includes(urgentValue);

  if (after.status === 'done' && facts.endedAt === null) end(facts, obs, ctx, deltas);
  return { facts, deltas };
}

function end(facts: InstanceFacts, obs: StepObservation, ctx: FactsContext, deltas: StatsDelta[]): void {
  const { at, after } = obs;
  const outcome = after.outcome ?? 'done';
  const outcomeClass = ctx.profile.outcomes[outcome] ?? 'other';
  facts.endedAt = at;
  facts.outcome = outcome;
  facts.outcomeClass = outcomeClass;
  const statutory = firstStarted(after, ctx.profile.statutoryClocks);
  facts.pausedWd = pausedWorkingDays(ctx.calendar, statutory);
  const key = keyOf(facts, at);
  const count = (counter: DailyCounter, amount = 1) => deltas.push({ kind: 'daily', key, counter, amount });
  if (outcomeClass === 'not-accepted') count('notAccepted');
  if (outcomeClass === 'withdrawn') count('withdrawn');
  if (outcomeClass === 'denied') count('denied');
  if (outcomeClass !== 'granted' && outcomeClass !== 'denied') return;
  const start = facts.milestones['accepted'] ?? facts.receivedAt;
  facts.durationWd = Math.max(0, workingDaysBetween(ctx.calendar, start, at) - facts.pausedWd);
  count('completed');
  // A limit clock that never ran (a decision on the spot) was not missed.
  if (facts.promised.met !== false) count('promisedMet');
  if (facts.statutory.met !== false) count('statutoryMet');
  if ((statutory?.pauses.length ?? 0) > 0) count('pausedCases');
  if (facts.pausedWd > 0) count('pausedWd', facts.pausedWd);
  deltas.push({ kind: 'duration', key, wd: facts.durationWd });
}

import type { ClockDef } from '../dsl/types.ts';
import { EngineError } from '../errors.ts';
import type { CompiledDefinition } from '../compile/compile-definition.ts';
import { toClockAmount } from '../compile/clock-defs.ts';
import { calendarOf, computeDue, pausedAmount, rungInstant } from './clock-math.ts';
import type { Actor, ClockState, Effect, InstanceSnapshot } from './types.ts';

export function expiryTimerId(clock: string): string {
  return `clock:${clock}:expiry`;
}

export function rungTimerId(clock: string, rung: number): string {
  return `clock:${clock}:r${rung}`;
}

export function newClock(def: ClockDef): ClockState {
  return { status: 'idle', unit: def.limit.unit, limit: toClockAmount(def.limit), extensions: [], pauses: [], excluded: 0, raised: [] };
}

/** Re-arms (or cancels) the timers of one clock after its due instant or status changed. */
function syncTimers(defn: CompiledDefinition, def: ClockDef, state: ClockState, snap: InstanceSnapshot, effects: Effect[]): void {
  const wanted = new Map<string, number>();
  if (state.status === 'running' && state.due !== undefined) {
    const calendar = calendarOf(defn.calendars, def);
    def.ladder.forEach((rung, i) => {
      if (!state.raised.includes(i)) wanted.set(rungTimerId(def.name, i), rungInstant(calendar, def, state, rung));
    });
    if (!state.expired && def.onExpiry) wanted.set(expiryTimerId(def.name), state.due);
  }
  const prefix = `clock:${def.name}:`;
  for (const id of Object.keys(snap.timers)) {
    if (id.startsWith(prefix) && !wanted.has(id)) {
      delete snap.timers[id];
      effects.push({ type: 'cancel-timer', timerId: id });
    }
  }
  for (const [id, dueAt] of wanted) {
    if (snap.timers[id] === dueAt) continue;
    snap.timers[id] = dueAt;
    effects.push({ type: 'arm-timer', timerId: id, dueAt, clock: def.name });
  }
}

function recompute(defn: CompiledDefinition, def: ClockDef, state: ClockState): void {
  const { due, provisional } = computeDue(calendarOf(defn.calendars, def), def, state);
  state.due = due;
  state.provisional = provisional;
}

function reasonFor(defn: CompiledDefinition, active: Set<string>, def: ClockDef): string {
  const state = def.pausedIn.find((s) => active.has(s));
  const node = state ? defn.states.get(state) : undefined;
  return node?.spec.title?.zh ?? state ?? 'paused';
}

/**
 * Moves every clock to the status the new configuration implies — start, pause, resume, stop, or
 * restart for step clocks whose state was re-entered — and keeps their timers in step. Mutates `snap`.
 */
export function updateClocks(
  defn: CompiledDefinition,
  snap: InstanceSnapshot,
  active: Set<string>,
  entered: ReadonlySet<string>,
  backdate: ReadonlySet<string>,
  now: number,
  effects: Effect[],
): void {
  for (const def of defn.clocks) {
    let state = snap.clocks[def.name] ?? newClock(def);
    const runs = def.runsIn.some((s) => active.has(s));
    const paused = def.pausedIn.some((s) => active.has(s));
    const restart = def.restartOnEntry && def.runsIn.some((s) => entered.has(s)) && state.status !== 'idle';
    if (restart) state = newClock(def);
    const before = state.status;
    const dueBefore = state.due;
    if ((state.status === 'idle' && runs) || restart) {
      state.status = paused ? 'paused' : 'running';
      state.startedAt = backdate.has(def.name) ? snap.startedAt : now;
      if (paused) state.pauses.push({ from: now, reason: reasonFor(defn, active, def) });
      recompute(defn, def, state);
      effects.push({ type: 'clock', clock: def.name, change: 'started', due: state.due });
    } else if (state.status === 'running' && runs && paused) {
      state.status = 'paused';
      const reason = reasonFor(defn, active, def);
      state.pauses.push({ from: now, reason });
      effects.push({ type: 'clock', clock: def.name, change: 'paused', reason });
    } else if (state.status === 'paused' && runs && !paused) {
      resume(defn, def, state, now);
      effects.push({ type: 'clock', clock: def.name, change: 'resumed', due: state.due });
    } else if ((state.status === 'running' || state.status === 'paused') && !runs) {
      if (state.status === 'paused') resume(defn, def, state, now);
      state.status = 'stopped';
      state.stoppedAt = now;
      effects.push({ type: 'clock', clock: def.name, change: 'stopped', due: state.due });
    }
    if (before !== 'idle' || state.status !== 'idle') snap.clocks[def.name] = state;
    // Timers depend only on status and due instant; recomputing rung instants on every step is wasted work.
    if (restart || before !== state.status || dueBefore !== state.due) syncTimers(defn, def, state, snap, effects);
  }
}

function resume(defn: CompiledDefinition, def: ClockDef, state: ClockState, now: number): void {
  const pause = state.pauses.at(-1);
  if (pause && pause.to === undefined) {
    pause.to = now;
    pause.excluded = pausedAmount(calendarOf(defn.calendars, def), def, pause.from, now);
    state.excluded += pause.excluded;
  }
  state.status = 'running';
  recompute(defn, def, state);
}

/** Applies `extend-on` rules for an accepted event (行政许可法 Art. 42: +10wd by the head). Mutates `snap`. */
export function applyExtensions(defn: CompiledDefinition, snap: InstanceSnapshot, eventType: string, actor: Actor, reason: string | undefined, now: number, effects: Effect[]): void {
  for (const def of defn.clocks) {
    const rule = def.extendOn.find((e) => e.event === eventType);
    const state = snap.clocks[def.name];
    if (!rule || !state || (state.status !== 'running' && state.status !== 'paused')) continue;
    const amount = toClockAmount(rule.by);
    if (rule.max !== undefined && state.extensions.length >= rule.max) {
      throw new EngineError('EXTENSION_LIMIT', `延期次数已满 clock '${def.name}' may be extended at most ${rule.max} time(s)`, { clock: def.name, max: rule.max });
    }
    state.extensions.push({ amount, at: now, by: actor.id, ...(reason ? { reason } : {}) });
    if (state.status === 'running') recompute(defn, def, state);
    effects.push({ type: 'clock', clock: def.name, change: 'extended', due: state.due, ...(reason ? { reason } : {}) });
    syncTimers(defn, def, state, snap, effects);
  }
}

/** Stops every clock when the instance ends. Mutates `snap`. */
export function stopAllClocks(defn: CompiledDefinition, snap: InstanceSnapshot, now: number, effects: Effect[]): void {
  for (const def of defn.clocks) {
    const state = snap.clocks[def.name];
    if (!state || state.status === 'stopped' || state.status === 'idle') continue;
    if (state.status === 'paused') resume(defn, def, state, now);
    state.status = 'stopped';
    state.stoppedAt = now;
    effects.push({ type: 'clock', clock: def.name, change: 'stopped', due: state.due });
    syncTimers(defn, def, state, snap, effects);
  }
}

export { syncTimers };

import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import scenarioSchema from '../dsl/scenario.schema.json' with { type: 'json' };
import { addPeriod, formatInstant, parseDuration, parseInstant, startOfLocalDay, toLocalDate, UNIT_MS } from '../calendar/index.ts';
import type { CompiledDefinition } from '../compile/compile-definition.ts';
import { EngineError, type Diagnostic } from '../errors.ts';
import { checkAgainst } from '../load/schema-check.ts';
import type { PathSegment, SourceDocument } from '../load/source-document.ts';
import { calendarOf, clockReading } from '../step/clock-math.ts';
import { startInstance, step } from '../step/step.ts';
import type { Actor, Effect, InstanceSnapshot } from '../step/types.ts';
import { checkExpectation, type Observed } from './check-expectation.ts';
import type { Expectation, ScenarioDoc, TimelineEntry } from './scenario-types.ts';

const SYSTEM: Actor = { id: 'govflow', role: 'system' };
let validator: ValidateFunction | undefined;

export interface ScenarioResult {
  file: string;
  title: string;
  definition?: string;
  timeline: TimelineEntry[];
  failures: Diagnostic[];
}

interface Collected {
  alerts: string[];
  escalations: string[];
  notifications: string[];
}

function collect(effects: Effect[], into: Collected): void {
  for (const e of effects) {
    if (e.type === 'raise-alert') {
      into.alerts.push(e.alert.level);
      if (e.alert.escalateTo) into.escalations.push(e.alert.escalateTo);
    } else if (e.type === 'notify') {
      into.notifications.push(e.template);
    }
  }
}

function moveTime(defn: CompiledDefinition, now: number, advance: string): number {
  const d = parseDuration(advance);
  if (d.unit === 'h' || d.unit === 'min') return now + d.amount * UNIT_MS[d.unit];
  if (d.unit === 'd') return now + d.amount * 86_400_000;
  const calendar = defn.calendars.get(defn.clocks[0]?.calendar ?? 'cn-mainland') ?? [...defn.calendars.values()][0]!;
  const day = addPeriod(calendar, now, d).dueDate;
  return startOfLocalDay(day) + (now - startOfLocalDay(toLocalDate(now)));
}

function timelineEntry(defn: CompiledDefinition, snap: InstanceSnapshot, now: number, event: string, alerts: string[], error?: { code: string; message: string }): TimelineEntry {
  const clocks: TimelineEntry['clocks'] = {};
  for (const def of defn.clocks) {
    const state = snap.clocks[def.name];
    if (!state) continue;
    const reading = clockReading(calendarOf(defn.calendars, def), def, state, now);
    clocks[def.name] = { status: state.status, unit: def.limit.unit, remaining: reading.remaining, ...(state.due !== undefined ? { due: formatInstant(state.due) } : {}) };
  }
  return { at: formatInstant(now), event, state: snap.value, clocks, alerts, ...(error ? { error } : {}) };
}

/**
 * Runs one scenario on a virtual clock: timers fire at their own due instants before each step.
 * Pure. Problems with the scenario itself and failed expectations come back as diagnostics.
 */
export function runScenario(doc: SourceDocument, definitions: ReadonlyMap<string, CompiledDefinition>): ScenarioResult {
  validator ??= new Ajv2020({ allErrors: true, strict: false, verbose: true }).compile(scenarioSchema);
  const schemaErrors = checkAgainst(doc, validator);
  const result: ScenarioResult = { file: doc.file, title: '', timeline: [], failures: schemaErrors };
  if (schemaErrors.length) return result;
  const scenario = doc.value as ScenarioDoc;
  result.title = scenario.title?.zh ?? doc.file;
  result.definition = scenario.definition;
  const fail = (path: PathSegment[], message: string) => {
    const pos = doc.locate(path);
    result.failures.push({ file: doc.file, line: pos.line, col: pos.col, path: path.join('.'), message });
  };
  const defn = definitions.get(scenario.definition);
  if (!defn) {
    fail(['definition'], `未知流程 unknown definition '${scenario.definition}'; loaded: ${[...definitions.keys()].slice(0, 20).join(', ')}`);
    return result;
  }
  let now: number;
  let snap: InstanceSnapshot;
  const seen: Collected = { alerts: [], escalations: [], notifications: [] };
  try {
    now = parseInstant(scenario.start.at);
    const started = startInstance(defn, { data: scenario.start.data, actor: scenario.start.actor, now, department: scenario.start.department, region: scenario.start.region });
    snap = started.snapshot;
    collect(started.effects, seen);
    result.timeline.push(timelineEntry(defn, snap, now, 'start', [...seen.alerts]));
  } catch (error) {
    fail(['start'], `无法启动 cannot start: ${(error as Error).message}`);
    return result;
  }
  const verify = (expect: Expectation | undefined, path: PathSegment[], error?: Observed['error']) => {
    const observed: Observed = { snapshot: snap, now, ...seen, ...(error ? { error } : {}) };
    for (const m of checkExpectation(defn, expect ?? {}, observed)) fail([...path, 'expect', ...m.path], m.message);
  };
  verify(scenario.start.expect, ['start']);
  scenario.steps.forEach((s, i) => {
    seen.alerts = [];
    seen.escalations = [];
    seen.notifications = [];
    let target = now;
    try {
      if (s.at) target = parseInstant(s.at);
      else if (s.advance) target = moveTime(defn, now, s.advance);
    } catch (error) {
      fail(['steps', i, s.at ? 'at' : 'advance'], (error as Error).message);
      return;
    }
    if (target < now) {
      fail(['steps', i, 'at'], `时间不能倒流 time cannot go back: ${s.at} is before ${formatInstant(now)}`);
      return;
    }
    fireDueTimers(defn, () => snap, (next) => (snap = next), target, (t) => (now = Math.max(now, t)), seen, result.timeline);
    now = target;
    let error: Observed['error'];
    if (s.event) {
      if (!s.actor) {
        fail(['steps', i], `事件需要 actor: step with an event needs 'actor'`);
        return;
      }
      try {
        const out = step(defn, snap, { type: s.event, actor: s.actor, ...(s.payload ? { payload: s.payload } : {}) }, now);
        snap = out.snapshot;
        collect(out.effects, seen);
      } catch (caught) {
        if (!(caught instanceof EngineError)) throw caught;
        error = { code: caught.code, message: caught.message };
      }
      result.timeline.push(timelineEntry(defn, snap, now, s.event, [...seen.alerts], error));
    }
    verify(s.expect, ['steps', i], error);
  });
  return result;
}

/**
 * Fires due timers in due order; timers due at the same instant fire in the order they were armed
 * (the snapshot keeps that order), as the runtime's `fire_order` does: a ladder rung before the expiry.
 */
function fireDueTimers(
  defn: CompiledDefinition,
  get: () => InstanceSnapshot,
  set: (s: InstanceSnapshot) => void,
  until: number,
  advanceTo: (t: number) => number,
  seen: Collected,
  timeline: TimelineEntry[],
): void {
  for (let guard = 0; guard < 10_000; guard++) {
    const snap = get();
    if (snap.status === 'done') return;
    const due = Object.entries(snap.timers).filter(([, at]) => at <= until).sort((a, b) => a[1] - b[1])[0];
    if (!due) return;
    const [timerId, dueAt] = due;
    const at = advanceTo(dueAt);
    const out = step(defn, snap, { type: 'govflow.timer', timerId, dueAt, actor: SYSTEM }, at);
    set(out.snapshot);
    const before = seen.alerts.length;
    collect(out.effects, seen);
    timeline.push(timelineEntry(defn, out.snapshot, at, `⏰ ${timerId}`, seen.alerts.slice(before)));
  }
}

import { formatInstant, parseDuration, parseInstant, toLocalDate } from '../calendar/index.ts';
import type { CompiledDefinition } from '../compile/compile-definition.ts';
import { toClockAmount } from '../compile/clock-defs.ts';
import { calendarOf, clockReading } from '../step/clock-math.ts';
import { activeStates } from '../step/run-machine.ts';
import type { InstanceSnapshot } from '../step/types.ts';
import type { Expectation } from './scenario-types.ts';

export interface Observed {
  snapshot: InstanceSnapshot;
  now: number;
  error?: { code: string; message: string };
  alerts: string[];
  escalations: string[];
  notifications: string[];
}

export interface Mismatch {
  path: Array<string | number>;
  message: string;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function subsetMismatch(expected: Record<string, unknown>, actual: Record<string, unknown>, path: string[], out: Mismatch[]): void {
  for (const [key, value] of Object.entries(expected)) {
    const got = actual[key];
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && got && typeof got === 'object') {
      subsetMismatch(value as Record<string, unknown>, got as Record<string, unknown>, [...path, key], out);
    } else if (!same(value, got)) {
      out.push({ path: [...path, key], message: `expected ${JSON.stringify(value)}, got ${JSON.stringify(got)}` });
    }
  }
}

/** Compares what happened with what the scenario expects. Pure. */
export function checkExpectation(defn: CompiledDefinition, expect: Expectation, seen: Observed): Mismatch[] {
  const out: Mismatch[] = [];
  const snap = seen.snapshot;
  if (expect.error !== undefined || seen.error) {
    if (expect.error !== seen.error?.code) {
      out.push({ path: ['error'], message: seen.error ? `unexpected error ${seen.error.code}: ${seen.error.message}` : `expected error ${expect.error}, but the event was accepted` });
    }
  }
  if (expect.state !== undefined) {
    const active = activeStates(snap.value);
    const wanted = Array.isArray(expect.state) ? expect.state : [expect.state];
    const missing = wanted.filter((s) => !active.has(s));
    if (missing.length) out.push({ path: ['state'], message: `expected state ${missing.join(', ')} to be active; active: ${JSON.stringify(snap.value)}` });
  }
  if (expect.status !== undefined && expect.status !== snap.status) out.push({ path: ['status'], message: `expected status ${expect.status}, got ${snap.status}` });
  if (expect.outcome !== undefined && expect.outcome !== snap.outcome) out.push({ path: ['outcome'], message: `expected outcome ${expect.outcome}, got ${snap.outcome ?? '(none)'}` });
  for (const key of ['alerts', 'escalations', 'notifications'] as const) {
    const wanted = expect[key];
    if (wanted !== undefined && !same(wanted, seen[key])) out.push({ path: [key], message: `expected ${JSON.stringify(wanted)}, got ${JSON.stringify(seen[key])}` });
  }
  if (expect.tasks !== undefined) {
    const open = Object.values(snap.tasks).map((t) => t.state).sort();
    if (!same([...expect.tasks].sort(), open)) out.push({ path: ['tasks'], message: `expected open tasks ${JSON.stringify([...expect.tasks].sort())}, got ${JSON.stringify(open)}` });
  }
  if (expect.data) subsetMismatch(expect.data, snap.data, ['data'], out);
  for (const [name, want] of Object.entries(expect.clocks ?? {})) {
    const def = defn.clocks.find((c) => c.name === name);
    const state = snap.clocks[name];
    const path = ['clocks', name];
    if (!def) {
      out.push({ path, message: `unknown clock '${name}'; clocks: ${defn.clocks.map((c) => c.name).join(', ')}` });
      continue;
    }
    const status = state?.status ?? 'idle';
    if (want.status !== undefined && want.status !== status) out.push({ path: [...path, 'status'], message: `expected ${want.status}, got ${status}` });
    if (want.paused !== undefined && want.paused !== (status === 'paused')) out.push({ path: [...path, 'paused'], message: `expected paused=${String(want.paused)}, got status ${status}` });
    if (want.due !== undefined) {
      const got = state?.due;
      const ok = got !== undefined && (/^\d{4}-\d{2}-\d{2}$/.test(want.due) ? toLocalDate(got) === want.due : parseInstant(want.due) === got);
      if (!ok) out.push({ path: [...path, 'due'], message: `expected due ${want.due}, got ${got === undefined ? '(none)' : formatInstant(got)}` });
    }
    if (want.provisional !== undefined && want.provisional !== Boolean(state?.provisional)) out.push({ path: [...path, 'provisional'], message: `expected provisional=${String(want.provisional)}` });
    if (want.extensions !== undefined && want.extensions !== (state?.extensions.length ?? 0)) out.push({ path: [...path, 'extensions'], message: `expected ${want.extensions} extensions, got ${state?.extensions.length ?? 0}` });
    if (want.remaining !== undefined && state) {
      const negative = want.remaining.startsWith('-');
      const d = parseDuration(want.remaining.replace(/^-/, ''));
      const amount = (negative ? -1 : 1) * toClockAmount(d);
      const reading = clockReading(calendarOf(defn.calendars, def), def, state, seen.now);
      if (d.unit !== def.limit.unit || reading.remaining !== amount) {
        out.push({ path: [...path, 'remaining'], message: `expected remaining ${want.remaining}, got ${reading.remaining}${def.limit.unit === 'h' || def.limit.unit === 'min' ? ' ms' : def.limit.unit}` });
      }
    }
  }
  return out;
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EngineError, startInstance, step, type EngineEvent, type InstanceSnapshot, type StepResult } from '../../engine/index.ts';
import { miniLicence } from '../support/engine-fixtures.ts';

const defn = miniLicence();
const t0 = Date.parse('2026-09-28T09:00:00+08:00');
const DEPT = 'market-regulation';

const actorArb = fc.record({
  id: fc.constantFrom('u1', 'u2'),
  role: fc.constantFrom('window', 'officer', 'head', 'applicant'),
  department: fc.constantFrom(DEPT, DEPT, 'transport'),
});

const eventArb: fc.Arbitrary<{ type: string; payload?: Record<string, unknown>; gapMin: number }> = fc.record({
  type: fc.constantFrom('accept', 'refuse', 'start-inspection', 'finish-inspection', 'approve', 'deny', 'extend', 'timer', 'nonsense'),
  payload: fc.option(fc.constantFrom({ receiptNo: 'R1' }, { reason: '复杂' }, { receiptNo: 7 }), { nil: undefined }),
  gapMin: fc.integer({ min: 0, max: 60 * 24 * 12 }),
});

type Outcome = { result?: StepResult; code?: string };

function freeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(freeze);
    Object.freeze(value);
  }
  return value;
}

/** Applies a generated script; each step starts from `prepare(snapshot)`. */
function run(
  script: Array<{ type: string; payload?: Record<string, unknown>; gapMin: number }>,
  actors: Array<{ id: string; role: string; department: string }>,
  prepare: (s: InstanceSnapshot) => InstanceSnapshot,
  definition: () => typeof defn = () => defn,
): Outcome[] {
  let now = t0;
  let snap = startInstance(definition(), { data: { applicant: '张三' }, actor: { id: 'a', role: 'applicant' }, now }).snapshot;
  const outcomes: Outcome[] = [];
  script.forEach((e, i) => {
    now += e.gapMin * 60_000;
    let event: EngineEvent;
    if (e.type === 'timer') {
      const next = Object.entries(snap.timers).sort((a, b) => a[1] - b[1])[0];
      if (!next) return;
      now = Math.max(now, next[1]);
      event = { type: 'govflow.timer', timerId: next[0], dueAt: next[1], actor: { id: 'govflow', role: 'system' } };
    } else {
      event = { type: e.type, actor: actors[i % actors.length]!, ...(e.payload ? { payload: e.payload } : {}) };
    }
    try {
      const result = step(definition(), prepare(snap), event, now);
      outcomes.push({ result });
      snap = result.snapshot;
    } catch (error) {
      if (!(error instanceof EngineError)) throw error;
      outcomes.push({ code: error.code });
    }
  });
  return outcomes;
}

const scriptArb = fc.tuple(fc.array(eventArb, { minLength: 1, maxLength: 25 }), fc.array(actorArb, { minLength: 1, maxLength: 4 }));

describe('step() invariants', () => {
  it('is deterministic: the same events from the same snapshot give the same results', () => {
    fc.assert(
      fc.property(scriptArb, ([script, actors]) => {
        expect(run(script, actors, (s) => s)).toEqual(run(script, actors, (s) => s));
      }),
      { numRuns: 150 },
    );
  });

  it('gives the same results with transitions remembered from earlier instances as with none remembered', () => {
    fc.assert(
      fc.property(scriptArb, ([script, actors]) => {
        // `defn` has served every run before this one; the other definition is compiled afresh for every step.
        expect(run(script, actors, (s) => s)).toEqual(run(script, actors, (s) => s, miniLicence));
      }),
      { numRuns: 40 },
    );
  });

  it('behaves the same after a JSON round trip of every snapshot, and never mutates its input', () => {
    fc.assert(
      fc.property(scriptArb, ([script, actors]) => {
        const direct = run(script, actors, (s) => s);
        const roundTripped = run(script, actors, (s) => freeze(JSON.parse(JSON.stringify(s)) as InstanceSnapshot));
        expect(JSON.parse(JSON.stringify(roundTripped))).toEqual(JSON.parse(JSON.stringify(direct)));
      }),
      { numRuns: 150 },
    );
  });

  it('only emits effects that reference declared clocks and tasks, and keeps timers consistent', () => {
    const clocks = new Set(defn.clocks.map((c) => c.name));
    const taskStates = new Set(defn.tasks.keys());
    fc.assert(
      fc.property(scriptArb, ([script, actors]) => {
        let seq = 1;
        for (const { result } of run(script, actors, (s) => s)) {
          if (!result || result.noop) continue;
          seq += 1;
          expect(result.snapshot.seq).toBe(seq);
          for (const effect of result.effects) {
            if (effect.type === 'arm-timer') expect(clocks.has(effect.clock)).toBe(true);
            if (effect.type === 'clock') expect(clocks.has(effect.clock)).toBe(true);
            if (effect.type === 'open-task') expect(taskStates.has(effect.task.state)).toBe(true);
            if (effect.type === 'raise-alert' && effect.alert.clock) expect(clocks.has(effect.alert.clock)).toBe(true);
          }
          for (const id of Object.keys(result.snapshot.timers)) expect(clocks.has(id.split(':').slice(1, -1).join(':'))).toBe(true);
          if (result.snapshot.status === 'done') {
            expect(result.snapshot.timers).toEqual({});
            expect(result.snapshot.tasks).toEqual({});
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEvents, type ApplyEventsContext, type ProjectionState } from '../../adapters/stats/apply-events.ts';
import { sumDeltas } from '../../adapters/stats/delta-rows.ts';
import { replayStep, type ProjectedEvent } from '../../adapters/stats/replay-step.ts';
import { defaultEngine, type EnginePort } from '../../adapters/runtime/engine-port.ts';
import { EngineError, startInstance, step, type EngineEvent, type InstanceSnapshot } from '../../engine/index.ts';
import { advanceFacts, openFacts, profileFor, type InstanceFacts, type StatsDelta } from '../../engine/stats/index.ts';
import { calendars, miniLicence } from '../support/engine-fixtures.ts';

const defn = miniLicence();
const calendar = calendars.get('cn-mainland')!;
const t0 = Date.parse('2026-09-28T09:00:00+08:00');
const DEPT = 'market-regulation';
const ACTORS: Record<string, { id: string; role: string; department: string }> = {
  accept: { id: 'w', role: 'window', department: DEPT },
  refuse: { id: 'w', role: 'window', department: DEPT },
  'start-inspection': { id: 'o', role: 'officer', department: DEPT },
  'finish-inspection': { id: 'o', role: 'officer', department: DEPT },
  approve: { id: 'h', role: 'head', department: DEPT },
  deny: { id: 'h', role: 'head', department: DEPT },
  extend: { id: 'h', role: 'head', department: DEPT },
};
const PAYLOADS: Record<string, Record<string, unknown>> = { accept: { receiptNo: 'R1' }, refuse: { reason: '材料不全' }, extend: { reason: '复杂' } };

const scriptArb = fc.array(
  fc.record({
    type: fc.constantFrom('accept', 'refuse', 'start-inspection', 'finish-inspection', 'approve', 'deny', 'extend', 'timer'),
    gapMin: fc.integer({ min: 0, max: 60 * 24 * 9 }),
  }),
  { minLength: 1, maxLength: 20 },
);

/** The audit rows the runtime would have written for a script, keeping only the events the engine accepted. */
function auditLog(instanceId: string, script: Array<{ type: string; gapMin: number }>): ProjectedEvent[] {
  let now = t0;
  const actor = { id: 'a', role: 'applicant' };
  const start = { data: { applicant: '张三' }, department: DEPT, region: '520100' };
  let snap: InstanceSnapshot = startInstance(defn, { ...start, actor, now }).snapshot;
  const rows: ProjectedEvent[] = [{ instanceId, seq: 1, type: 'govflow.start', actor, payload: start, at: now }];
  for (const e of script) {
    if (snap.status === 'done') break;
    now += e.gapMin * 60_000;
    let event: EngineEvent;
    let payload: Record<string, unknown>;
    if (e.type === 'timer') {
      const next = Object.entries(snap.timers).sort((a, b) => a[1] - b[1])[0];
      if (!next) continue;
      now = Math.max(now, next[1]);
      event = { type: 'govflow.timer', timerId: next[0], dueAt: next[1], actor: { id: 'govflow', role: 'system' } };
      payload = { timerId: next[0], dueAt: next[1] };
    } else {
      const p = PAYLOADS[e.type];
      event = { type: e.type, actor: ACTORS[e.type]!, ...(p ? { payload: p } : {}) };
      payload = p ? { payload: p } : {};
    }
    try {
      snap = step(defn, snap, event, now).snapshot;
    } catch (error) {
      if (error instanceof EngineError) continue;
      throw error;
    }
    rows.push({ instanceId, seq: rows.length + 1, type: event.type, actor: event.actor as unknown as Record<string, unknown>, payload, at: now });
  }
  return rows;
}

/** The definition of the figures: each event on its own, through the pure `openFacts`/`advanceFacts`. */
function reference(rows: readonly ProjectedEvent[], engine: EnginePort = defaultEngine): { facts?: InstanceFacts; error: string | null; deltas: StatsDelta[] } {
  const fctx = { profile: profileFor(defn.category), calendar };
  let facts: InstanceFacts | undefined;
  let snapshot: InstanceSnapshot | undefined;
  const deltas: StatsDelta[] = [];
  for (const row of rows) {
    try {
      const stepped = replayStep(defn, snapshot, row, engine);
      const observation = { type: row.type, seq: row.seq, at: row.at, before: snapshot, after: stepped.snapshot, effects: stepped.effects };
      const next = facts
        ? advanceFacts(facts, observation, fctx)
        : openFacts({ instanceId: row.instanceId, definitionId: defn.id, definitionVersion: defn.version, category: defn.category ?? 'other' }, observation, fctx);
      facts = next.facts;
      snapshot = stepped.snapshot;
      deltas.push(...next.deltas);
    } catch (cause) {
      return { ...(facts ? { facts } : {}), error: `seq ${row.seq}: ${cause instanceof Error ? cause.message : String(cause)}`, deltas };
    }
  }
  return { ...(facts ? { facts } : {}), error: null, deltas };
}

/** Projects `rows` in the given batches as the projector does, carrying each instance's state from batch to batch. */
function project(rows: readonly ProjectedEvent[], cuts: readonly number[], engine: EnginePort = defaultEngine) {
  const ctx: ApplyEventsContext = { engine, calendar, definition: () => defn };
  const states = new Map<string, ProjectionState>([[rows[0]!.instanceId, { definition: { id: defn.id, version: defn.version } }]]);
  const deltas: StatsDelta[] = [];
  const written: number[] = [];
  const bounds = [0, ...[...new Set(cuts.map((c) => c % (rows.length + 1)))].sort((a, b) => a - b), rows.length];
  for (let i = 0; i + 1 < bounds.length; i++) {
    // Each batch sees the instance's rows from its first new one on, as `loadEvents` reads them.
    const batch = rows.slice(bounds[i], bounds[i + 1]);
    if (batch.length === 0) continue;
    const out = applyEvents(states, batch, ctx);
    deltas.push(...out.deltas);
    written.push(out.facts.length);
    for (const { facts, error } of out.facts) {
      const state = states.get(facts.instanceId)!;
      states.set(facts.instanceId, { ...state, facts, error, ...(out.open.has(facts.instanceId) ? { snapshot: out.open.get(facts.instanceId)! } : {}) });
      if (!out.open.has(facts.instanceId)) delete states.get(facts.instanceId)!.snapshot;
    }
  }
  const state = states.get(rows[0]!.instanceId)!;
  return { facts: state.facts, error: state.error ?? null, deltas, written };
}

describe('applyEvents', () => {
  it('gives the figures of the pure per-event definition, in one batch or split anywhere', () => {
    fc.assert(
      fc.property(scriptArb, fc.array(fc.nat(), { maxLength: 4 }), (script, cuts) => {
        const rows = auditLog('11111111-1111-4111-8111-111111111111', script);
        const expected = reference(rows);
        const whole = project(rows, []);
        const split = project(rows, cuts);
        for (const got of [whole, split]) {
          expect(got.facts).toEqual(expected.facts);
          expect(got.error).toBe(expected.error);
          expect(sumDeltas(got.deltas)).toEqual(sumDeltas(expected.deltas));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('leaves out an instance none of whose events is new, so its stored row is not written again', () => {
    const rows = auditLog('22222222-2222-4222-8222-222222222222', [{ type: 'accept', gapMin: 30 }, { type: 'start-inspection', gapMin: 600 }]);
    const ctx: ApplyEventsContext = { engine: defaultEngine, calendar, definition: () => defn };
    const first = applyEvents(new Map([[rows[0]!.instanceId, { definition: { id: defn.id, version: defn.version } }]]), rows, ctx);
    expect(first.facts).toHaveLength(1);
    const facts = first.facts[0]!.facts;
    const snapshot = first.open.get(rows[0]!.instanceId)!;
    const again = applyEvents(new Map([[rows[0]!.instanceId, { facts, snapshot, error: null, definition: { id: defn.id, version: defn.version } }]]), rows, ctx);
    expect(again).toEqual({ facts: [], open: new Map(), closed: [], deltas: [], applied: 0, failures: [] });
    // The facts passed in are not modified by a later batch either.
    const before = structuredClone(facts);
    const extra = auditLog('22222222-2222-4222-8222-222222222222', [{ type: 'accept', gapMin: 30 }, { type: 'start-inspection', gapMin: 600 }, { type: 'finish-inspection', gapMin: 60 }]);
    const next = applyEvents(new Map([[rows[0]!.instanceId, { facts, snapshot, error: null, definition: { id: defn.id, version: defn.version } }]]), extra, ctx);
    expect(next.applied).toBe(1);
    expect(facts).toEqual(before);
  });

  it('a failure while the facts are updated keeps exactly the figures of the events before it', () => {
    // The engine accepts the event, but the facts cannot be counted: an alert is raised (the
    // count of its level goes up first) at an instant that is not whole milliseconds, which
    // fails when its day is computed. The figures must be those before the event, as the
    // per-event definition keeps them.
    const rows = auditLog('33333333-3333-4333-8333-333333333333', [{ type: 'accept', gapMin: 30 }, { type: 'start-inspection', gapMin: 600 }, { type: 'finish-inspection', gapMin: 60 }]);
    expect(rows.length).toBe(4);
    const broken = rows.map((r) => (r.seq === 3 ? { ...r, at: r.at + 0.5 } : r));
    const engine: EnginePort = {
      startInstance: (d, input) => defaultEngine.startInstance(d, { ...input, now: Math.floor(input.now) }),
      step(d, snapshot, event, now) {
        const result = defaultEngine.step(d, snapshot, event, Math.floor(now));
        if (now === Math.floor(now)) return result;
        return { ...result, effects: [...result.effects, { type: 'raise-alert', alert: { level: 'yellow-card', message: { zh: '黄牌' } } }] };
      },
    };
    const expected = reference(broken, engine);
    expect(expected.error).toMatch(/^seq 3: /);
    expect(expected.facts?.seq).toBe(2);
    expect(expected.facts?.cards).toEqual({});
    for (const cuts of [[], [2], [3]]) {
      const got = project(broken, cuts, engine);
      expect(got.facts).toEqual(expected.facts);
      expect(got.error).toBe(expected.error);
      expect(sumDeltas(got.deltas)).toEqual(sumDeltas(expected.deltas));
    }
  });
});

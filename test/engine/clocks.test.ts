import { describe, expect, it } from 'vitest';
import { formatInstant } from '../../engine/calendar/index.ts';
import { loadDefinitions, startInstance, step, type Actor, type CompiledDefinition, type InstanceSnapshot } from '../../engine/index.ts';
import { calendars } from '../support/engine-fixtures.ts';

const staff: Actor = { id: 's1', role: 'officer', department: 'dept' };
const at = (iso: string) => Date.parse(iso);

function define(clock: string, extra = ''): CompiledDefinition {
  const text = `
id: clock-probe
version: 1
title: { zh: 时钟测试 }
department: dept
events:
  go: { roles: [officer] }
  hold: { roles: [officer] }
  release: { roles: [officer] }
  extend: { roles: [officer], payload: { type: object, properties: { reason: { type: string } } } }
  finish: { roles: [officer] }
  again: { roles: [officer] }
initial: waiting
states:
  waiting: { on: { go: { target: working } } }
  working:
    limit: 2wd
    on:
      hold: { target: held }
      extend: {}
      finish: { target: done }
      again: { target: working }
  held: { on: { release: { target: working } } }
  done: { type: final, outcome: done }
clocks:
  main:
${clock}
${extra}`;
  const result = loadDefinitions([{ path: 'probe.yaml', text }], { calendars });
  if (result.diagnostics.length) throw new Error(JSON.stringify(result.diagnostics));
  return result.definitions[0]!;
}

function run(defn: CompiledDefinition, events: Array<[string, string]>): InstanceSnapshot {
  let snap = startInstance(defn, { data: {}, actor: staff, now: at(events[0]![1]) }).snapshot;
  for (const [type, when] of events) snap = step(defn, snap, { type, actor: staff, ...(type === 'extend' ? { payload: { reason: '复杂' } } : {}) }, at(when)).snapshot;
  return snap;
}

const due = (snap: InstanceSnapshot, clock = 'main') => formatInstant(snap.clocks[clock]!.due!);

describe('clocks at run time', () => {
  const wd = define(`    limit: 20wd
    runs-in: [working, held]
    paused-in: [held]
    extend-on: [{ event: extend, by: 10wd }]`);

  it('20 working days from Mon 2026-09-28 fall due at the end of 2026-10-30', () => {
    expect(due(run(wd, [['go', '2026-09-28T09:00:00+08:00']]))).toBe('2026-10-30T23:59:59.999+08:00');
  });

  it('a pause across the Spring Festival adds back only the working days it covered', () => {
    // Started Mon 2026-02-09: 20wd counts 02-10..02-13 (4), 02-14 make-up (5), 02-24..02-27 (9), 02-28 make-up (10), 03-02..03-13 (20).
    const base = run(wd, [['go', '2026-02-09T09:00:00+08:00']]);
    expect(due(base)).toBe('2026-03-13T23:59:59.999+08:00');
    // Paused Fri 02-13, resumed Tue 02-24: excluded working days after 02-13 up to 02-24 are 02-14 (make-up) and 02-24 → +2wd.
    const paused = run(wd, [['go', '2026-02-09T09:00:00+08:00'], ['hold', '2026-02-13T16:00:00+08:00'], ['release', '2026-02-24T09:00:00+08:00']]);
    expect(paused.clocks.main!.pauses[0]).toMatchObject({ excluded: 2 });
    expect(due(paused)).toBe('2026-03-17T23:59:59.999+08:00');
  });

  it('an extension after a pause adds to the limit and keeps the excluded time', () => {
    const snap = run(wd, [['go', '2026-02-09T09:00:00+08:00'], ['hold', '2026-02-13T16:00:00+08:00'], ['release', '2026-02-24T09:00:00+08:00'], ['extend', '2026-03-02T10:00:00+08:00']]);
    expect(snap.clocks.main!.extensions).toEqual([{ amount: 10, at: at('2026-03-02T10:00:00+08:00'), by: 's1', reason: '复杂' }]);
    expect(due(snap)).toBe('2026-03-31T23:59:59.999+08:00');
  });

  it('a natural-day period ending inside the National Day holiday rolls to the next working day', () => {
    const d = define(`    limit: 5d
    runs-in: [working, held]`);
    expect(due(run(d, [['go', '2026-09-30T09:00:00+08:00']]))).toBe('2026-10-08T23:59:59.999+08:00');
    expect(due(run(d, [['go', '2026-10-05T09:00:00+08:00']]))).toBe('2026-10-10T23:59:59.999+08:00');
  });

  it('a deadline past the last covered year is provisional', () => {
    const snap = run(wd, [['go', '2026-12-20T09:00:00+08:00']]);
    expect(snap.clocks.main!.provisional).toBe(true);
    expect(due(snap)).toBe('2027-01-15T23:59:59.999+08:00');
  });

  it('minute clocks are exact and a re-entered step clock starts afresh', () => {
    const m = define(`    limit: 5min
    runs-in: [working]
    on-expiry: finish`);
    let snap = run(m, [['go', '2026-03-02T10:00:00+08:00']]);
    expect(due(snap)).toBe('2026-03-02T10:05:00.000+08:00');
    expect(due(snap, 'step:working')).toBe('2026-03-04T23:59:59.999+08:00');
    snap = step(m, snap, { type: 'again', actor: staff }, at('2026-03-03T10:00:00+08:00')).snapshot;
    expect(due(snap, 'step:working')).toBe('2026-03-05T23:59:59.999+08:00');
    expect(snap.timers['clock:main:expiry']).toBe(at('2026-03-02T10:05:00+08:00'));
    const fired = step(m, snap, { type: 'govflow.timer', timerId: 'clock:main:expiry', dueAt: at('2026-03-02T10:05:00+08:00'), actor: { id: 'g', role: 'system' } }, at('2026-03-03T10:00:01+08:00'));
    expect(fired.snapshot.outcome).toBe('done');
    expect(fired.record.payload).toMatchObject({ raised: 'finish', lateMs: 86_101_000 });
  });
});

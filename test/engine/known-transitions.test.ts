import { describe, expect, it } from 'vitest';
import { loadDefinitions, startInstance, step, type CompiledDefinition, type InstanceSnapshot } from '../../engine/index.ts';
import { calendars } from '../support/engine-fixtures.ts';

/**
 * A clock's expiry raises `reply-expired`. In `waiting` its transition reads the data (a guard)
 * and assigns; in `held` it reads nothing. The engine remembers only transitions that read
 * nothing but the event and the state, so each instance here must follow its own data.
 */
const SOURCE = `
id: known-transitions
version: 1
title: { zh: 限时答复 }
department: general-office
calendar: cn-mainland
data:
  type: object
  properties:
    n: { type: integer }
    note: { type: string }
events:
  hold: { title: { zh: 挂起 }, roles: [officer] }
  reply-expired: { title: { zh: 答复期限届满 }, roles: [system] }
initial: waiting
states:
  waiting:
    title: { zh: 等待答复 }
    on:
      hold: { target: held }
      reply-expired:
        - { target: escalated, guard: "data.n > 5", assign: { note: "'urgent'" } }
        - { target: lapsed }
  held:
    title: { zh: 挂起 }
    on:
      reply-expired: { target: lapsed }
  escalated: { type: final, outcome: escalated, title: { zh: 已上报 } }
  lapsed: { type: final, outcome: lapsed, title: { zh: 逾期 } }
clocks:
  reply:
    title: { zh: 答复时限 }
    limit: 10min
    runs-in: [waiting, held]
    ladder: []
    on-expiry: reply-expired
`;

function compile(): CompiledDefinition {
  const result = loadDefinitions([{ path: 'known-transitions.yaml', text: SOURCE }], { calendars });
  if (result.diagnostics.length || !result.definitions[0]) throw new Error(JSON.stringify(result.diagnostics));
  return result.definitions[0];
}

const t0 = Date.parse('2026-09-28T09:00:00+08:00');
const officer = { id: 'o1', role: 'officer', department: 'general-office' };

/** Starts an instance with `n`, optionally holds it, and fires its expiry. */
function expire(defn: CompiledDefinition, n: number, hold: boolean): InstanceSnapshot {
  let snap = startInstance(defn, { data: { n }, actor: { id: 'a', role: 'applicant' }, now: t0 }).snapshot;
  if (hold) snap = step(defn, snap, { type: 'hold', actor: officer }, t0 + 1000).snapshot;
  const [timerId, dueAt] = Object.entries(snap.timers)[0]!;
  return step(defn, snap, { type: 'govflow.timer', timerId, dueAt, actor: { id: 'govflow', role: 'system' } }, dueAt).snapshot;
}

describe('transitions the engine remembers', () => {
  it('follows each instance’s data where the transition reads it, however often it was taken before', () => {
    const defn = compile();
    const runs = [10, 1, 7, 0, 6, 5].map((n) => expire(defn, n, false));
    expect(runs.map((s) => [s.value, s.outcome, s.data['note'] ?? null])).toEqual([
      ['escalated', 'escalated', 'urgent'],
      ['lapsed', 'lapsed', null],
      ['escalated', 'escalated', 'urgent'],
      ['lapsed', 'lapsed', null],
      ['escalated', 'escalated', 'urgent'],
      ['lapsed', 'lapsed', null],
    ]);
  });

  it('gives the same result remembered as worked out afresh', () => {
    const warm = compile();
    for (const n of [10, 1, 10, 1]) {
      for (const hold of [false, true]) {
        expect(expire(warm, n, hold)).toEqual(expire(compile(), n, hold));
      }
    }
  });
});

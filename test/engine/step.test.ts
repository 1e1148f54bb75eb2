import { describe, expect, it } from 'vitest';
import { EngineError, startInstance, step, type Actor, type InstanceSnapshot } from '../../engine/index.ts';
import { loadWithTemplate, miniLicence } from '../support/engine-fixtures.ts';

const defn = miniLicence();
const t0 = Date.parse('2026-09-28T09:00:00+08:00');
const applicant: Actor = { id: 'a1', role: 'applicant' };
const window: Actor = { id: 'w1', role: 'window', department: 'market-regulation' };
const officer: Actor = { id: 'o1', role: 'officer', department: 'market-regulation' };
const head: Actor = { id: 'h1', role: 'head', department: 'market-regulation' };

function started(): InstanceSnapshot {
  return startInstance(defn, { data: { applicant: '张三' }, actor: applicant, now: t0 }).snapshot;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof EngineError) return error.code;
    throw error;
  }
  return 'no error';
}

describe('startInstance', () => {
  it('enters the initial state, opens its task and starts the step clock', () => {
    const result = startInstance(defn, { data: { applicant: '张三' }, actor: applicant, now: t0 });
    expect(result.snapshot.value).toBe('received');
    expect(result.snapshot.seq).toBe(1);
    expect(result.effects.map((e) => e.type)).toEqual(['open-task', 'clock', 'arm-timer']);
    expect(result.snapshot.clocks['step:received']?.status).toBe('running');
  });

  it('refuses data that does not match the schema, naming the field', () => {
    try {
      startInstance(defn, { data: { applicant: 1, extra: true }, actor: applicant, now: t0 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EngineError);
      expect((error as EngineError).code).toBe('INVALID_DATA');
      expect(JSON.stringify((error as EngineError).details)).toContain("unknown field 'extra'");
    }
  });
});

describe('step errors carry stable codes', () => {
  it.each([
    ['UNKNOWN_EVENT', { type: 'nonsense', actor: window }],
    ['EVENT_NOT_ALLOWED', { type: 'approve', actor: head }],
    ['FORBIDDEN', { type: 'accept', actor: officer, payload: { receiptNo: 'R' } }],
    ['FORBIDDEN', { type: 'accept', actor: { ...window, department: 'transport' }, payload: { receiptNo: 'R' } }],
    ['INVALID_PAYLOAD', { type: 'accept', actor: window, payload: { receiptNo: 5 } }],
    ['INVALID_PAYLOAD', { type: 'accept', actor: window, payload: { receiptNo: 'R', __proto__x: 1 } }],
    ['INVALID_PAYLOAD', { type: 'start-inspection', actor: officer, payload: { anything: 1 } }],
  ])('%s', (code, event) => {
    expect(codeOf(() => step(defn, started(), event as never, t0 + 1000))).toBe(code);
  });

  it('GUARD_REJECTED when no branch holds', () => {
    const s0 = startInstance(defn, { data: { applicant: '张三', amount: 5000 }, actor: applicant, now: t0 }).snapshot;
    const s1 = step(defn, s0, { type: 'accept', actor: window, payload: { receiptNo: 'R' } }, t0).snapshot;
    expect(codeOf(() => step(defn, s1, { type: 'approve', actor: head }, t0))).toBe('GUARD_REJECTED');
  });

  it('INSTANCE_DONE after a final state, with the outcome', () => {
    const done = step(defn, started(), { type: 'refuse', actor: window, payload: { reason: '不属于本机关职权' } }, t0).snapshot;
    expect(done.status).toBe('done');
    expect(done.outcome).toBe('not-accepted');
    expect(codeOf(() => step(defn, done, { type: 'accept', actor: window, payload: { receiptNo: 'R' } }, t0))).toBe('INSTANCE_DONE');
  });

  it('DEFINITION_MISMATCH for a snapshot of another definition', () => {
    const other = { ...started(), definition: { id: 'x', version: 1 } };
    expect(codeOf(() => step(defn, other, { type: 'accept', actor: window, payload: { receiptNo: 'R' } }, t0))).toBe('DEFINITION_MISMATCH');
  });
});

describe('timers', () => {
  it('ignores a stale timer and raises a rung once', () => {
    const s1 = step(defn, started(), { type: 'accept', actor: window, payload: { receiptNo: 'R' } }, t0).snapshot;
    const dueAt = s1.timers['clock:statutory:r1']!;
    const stale = step(defn, s1, { type: 'govflow.timer', timerId: 'clock:statutory:r1', dueAt: dueAt - 1, actor: { id: 's', role: 'system' } }, dueAt);
    expect(stale.noop).toBe(true);
    const fired = step(defn, s1, { type: 'govflow.timer', timerId: 'clock:statutory:r1', dueAt, actor: { id: 's', role: 'system' } }, dueAt + 5);
    expect(fired.effects).toEqual([{ type: 'raise-alert', alert: expect.objectContaining({ level: 'yellow-card', clock: 'statutory', rung: 1 }) }]);
    expect(fired.record.payload).toMatchObject({ lateMs: 5 });
    const again = step(defn, fired.snapshot, { type: 'govflow.timer', timerId: 'clock:statutory:r1', dueAt, actor: { id: 's', role: 'system' } }, dueAt + 6);
    expect(again.noop).toBe(true);
  });
});

describe('templates, hooks and countersign', () => {
  const set = loadWithTemplate(['test/engine/fixtures/mini-item.yaml']);
  const item = set.definitions.find((d) => d.id === 'mini-item')!;

  it('fills the hook and continues to the template step after it', () => {
    let snap = startInstance(item, { data: { applicant: 'x' }, actor: applicant, now: t0 }).snapshot;
    snap = step(item, snap, { type: 'accept', actor: window }, t0).snapshot;
    expect(snap.clocks['step:review']?.limit).toBe(10);
    snap = step(item, snap, { type: 'approve', actor: head }, t0).snapshot;
    expect(snap.value).toEqual({ extra: 'panel' });
    snap = step(item, snap, { type: 'panel-done', actor: officer }, t0).snapshot;
    expect(snap.outcome).toBe('approved');
  });
});

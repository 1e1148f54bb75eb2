import { describe, expect, it } from 'vitest';
import { EngineError, loadDefinitions, startInstance, step, type Actor, type CompiledDefinition, type InstanceSnapshot } from '../../engine/index.ts';
import { calendars, miniLicence } from '../support/engine-fixtures.ts';

/**
 * Who may urge (催办) a task. Without `urgers` in the definition: the case's own staff — the window,
 * its chief representative, officers and the head — when they belong to the case or the task,
 * supervisors, and the applicant. With `urgers`, exactly the roles the definition lists.
 */

const t0 = Date.parse('2026-09-28T09:00:00+08:00');
const staff = (role: string, department = 'market-regulation'): Actor => ({ id: `${role}-${department}`, role, department });

function started(defn: CompiledDefinition): InstanceSnapshot {
  return startInstance(defn, { data: { applicant: '张三' }, actor: { id: 'a1', role: 'applicant' }, now: t0 }).snapshot;
}

function urge(defn: CompiledDefinition, actor: Actor): string {
  try {
    const { effects } = step(defn, started(defn), { type: 'task.urge', actor, payload: { message: '请尽快办理' } }, t0 + 60_000);
    return effects
      .filter((e) => e.type === 'notify')
      .map((e) => `${(e as { to: string }).to}:${(e as { template: string }).template}`)
      .join(',');
  } catch (error) {
    if (error instanceof EngineError) return error.code;
    throw error;
  }
}

describe('task.urge with the default urgers', () => {
  const defn = miniLicence();

  it("lets the chief representative of the case's department urge, like the window, officer and head", () => {
    for (const role of ['chief-representative', 'window', 'officer', 'head']) {
      expect(urge(defn, staff(role)), role).toBe('market-regulation:task-urged');
    }
  });

  it('refuses a chief representative of a department the case and the task do not involve', () => {
    expect(urge(defn, staff('chief-representative', 'transport'))).toBe('FORBIDDEN');
    expect(urge(defn, staff('window', 'transport'))).toBe('FORBIDDEN');
  });

  it('refuses staff roles that never act on cases, and lets supervisors of any department urge', () => {
    for (const role of ['designer', 'auditor', 'admin']) expect(urge(defn, staff(role)), role).toBe('FORBIDDEN');
    expect(urge(defn, staff('supervisor', 'supervising-office'))).toBe('market-regulation:task-urged');
  });
});

describe('task.urge with urgers named by the definition', () => {
  const yaml = `id: urge-listed
version: 1
title: { zh: 催办测试 }
department: market-regulation
events: { done: { roles: [window] } }
initial: open
states:
  open:
    task: { role: window, urgers: [window, supervisor] }
    on: { done: { target: closed } }
  closed: { type: final, outcome: done }
`;
  const { definitions, diagnostics } = loadDefinitions([{ path: 'urge-listed.yaml', text: yaml }], { calendars });

  it("follows the definition's list, which here leaves the chief representative out", () => {
    expect(diagnostics).toEqual([]);
    const defn = definitions[0]!;
    expect(urge(defn, staff('window', 'transport'))).toBe('market-regulation:task-urged');
    expect(urge(defn, staff('chief-representative'))).toBe('FORBIDDEN');
    expect(urge(defn, staff('head'))).toBe('FORBIDDEN');
  });
});

import type { CompiledDefinition, RuntimeTask } from '../compile/compile-definition.ts';
import { expressionContext } from '../compile/machine.ts';
import type { StepScope } from '../compile/step-scope.ts';
import { EngineError } from '../errors.ts';
import type { Actor, Effect, InstanceSnapshot, TaskState } from './types.ts';

export function taskKey(task: RuntimeTask): string {
  return `${task.state}#${task.id}`;
}

/** Opens the task of a state that was just entered. Mutates `snap`. */
export function openTask(defn: CompiledDefinition, snap: InstanceSnapshot, state: string, scope: StepScope, now: number, effects: Effect[]): void {
  const spec = defn.tasks.get(state);
  if (!spec) return;
  const mode = spec.mode ?? 'single';
  const department = !spec.department || spec.department === 'owner' ? snap.department : spec.department;
  let assignees: string[] = [department];
  if (spec.assigneesExpr) {
    const value = spec.assigneesExpr.evaluate(expressionContext(scope, snap.data));
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
      throw new EngineError('EXPRESSION_ERROR', `任务 '${spec.id}' 的 assignees 必须是字符串列表 must give a list of strings`, { expression: spec.assigneesExpr.source, value });
    }
    assignees = value as string[];
  } else if (Array.isArray(spec.assignees)) {
    assignees = spec.assignees;
  }
  const task: TaskState = {
    id: taskKey(spec),
    state,
    title: spec.title ?? defn.states.get(state)?.spec.title ?? { zh: state },
    role: spec.role,
    department,
    mode,
    assignees,
    ...(spec.threshold !== undefined ? { threshold: spec.threshold } : {}),
    votes: [],
    openedAt: now,
  };
  snap.tasks[task.id] = task;
  effects.push({ type: 'open-task', task });
}

/** Closes the task of a state that was just left. Mutates `snap`. */
export function closeTask(defn: CompiledDefinition, snap: InstanceSnapshot, state: string, reason: 'completed' | 'left-state' | 'returned' | 'withdrawn', effects: Effect[]): void {
  const spec = defn.tasks.get(state);
  if (!spec) return;
  const id = taskKey(spec);
  if (!snap.tasks[id]) return;
  delete snap.tasks[id];
  effects.push({ type: 'close-task', taskId: id, reason });
}

/** The open task an operation names (`payload.task`), or the only open one. */
export function findTask(snap: InstanceSnapshot, payload: Record<string, unknown>): TaskState {
  const open = Object.values(snap.tasks);
  const wanted = payload.task;
  if (typeof wanted === 'string') {
    const task = snap.tasks[wanted] ?? open.find((t) => t.id.endsWith(`#${wanted}`));
    if (!task) throw new EngineError('UNKNOWN_TASK', `没有待办任务 no open task '${wanted}'; open tasks: ${open.map((t) => t.id).join(', ') || '(none)'}`, { open: open.map((t) => t.id) });
    return task;
  }
  if (open.length === 1) return open[0]!;
  throw new EngineError('UNKNOWN_TASK', `请指定任务 name the task in payload.task; open tasks: ${open.map((t) => t.id).join(', ') || '(none)'}`, { open: open.map((t) => t.id) });
}

/** True when `actor` holds the task: its role and department (or, for countersign, one of the assignees). */
export function holdsTask(task: TaskState, actor: Actor): boolean {
  if (actor.role !== task.role) return false;
  if (task.claimedBy && task.claimedBy !== actor.id && task.delegatedTo !== actor.id) return false;
  const department = actor.department ?? '';
  return task.mode === 'single' ? department === task.department : task.assignees.includes(department) || task.assignees.includes(actor.id);
}

export interface CountersignResult {
  outcome: 'approved' | 'rejected';
  approvals: number;
  rejections: number;
  total: number;
}

/** Whether the votes decide the countersign: all (会签), any (或签), vote with threshold (票签). Pure. */
export function countersignResult(task: TaskState): CountersignResult | undefined {
  const total = task.assignees.length;
  const approvals = task.votes.filter((v) => v.decision === 'approve').length;
  const rejections = task.votes.filter((v) => v.decision === 'reject').length;
  const base = { approvals, rejections, total };
  switch (task.mode) {
    case 'all':
      if (rejections > 0) return { outcome: 'rejected', ...base };
      return approvals === total ? { outcome: 'approved', ...base } : undefined;
    case 'any':
      if (approvals > 0) return { outcome: 'approved', ...base };
      return rejections === total ? { outcome: 'rejected', ...base } : undefined;
    case 'vote': {
      const threshold = task.threshold ?? 0.5;
      if (approvals / total >= threshold) return { outcome: 'approved', ...base };
      return (total - rejections) / total < threshold ? { outcome: 'rejected', ...base } : undefined;
    }
    default:
      return undefined;
  }
}

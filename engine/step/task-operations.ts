import type { CompiledDefinition } from '../compile/compile-definition.ts';
import { EngineError } from '../errors.ts';
import { validatorFor, describeErrors } from '../load/json-schemas.ts';
import { countersignResult, findTask, holdsTask, type CountersignResult } from './tasks.ts';
import type { Actor, Effect, InstanceSnapshot, TaskState } from './types.ts';

const taskRef = { type: 'string', minLength: 1, maxLength: 200 };
const text = { type: 'string', maxLength: 2000 };
const id = { type: 'string', minLength: 1, maxLength: 200 };

/** Payload schemas of the built-in task operations. */
export const TASK_OPERATION_PAYLOADS: Record<string, Record<string, unknown>> = {
  'task.claim': { type: 'object', additionalProperties: false, properties: { task: taskRef } },
  'task.transfer': { type: 'object', additionalProperties: false, minProperties: 1, properties: { task: taskRef, toDepartment: id, toUser: id, reason: text } },
  'task.delegate': { type: 'object', additionalProperties: false, required: ['to'], properties: { task: taskRef, to: id, reason: text } },
  'task.urge': { type: 'object', additionalProperties: false, properties: { task: taskRef, message: text } },
  'task.copy': { type: 'object', additionalProperties: false, required: ['to'], properties: { task: taskRef, to: { type: 'array', minItems: 1, maxItems: 50, items: id }, message: text } },
  'task.complete': { type: 'object', additionalProperties: false, required: ['decision'], properties: { task: taskRef, decision: { enum: ['approve', 'reject'] }, comment: text } },
  'task.return': { type: 'object', additionalProperties: false, required: ['to', 'reason'], properties: { to: id, reason: { type: 'string', minLength: 1, maxLength: 2000 } } },
  'task.withdraw': { type: 'object', additionalProperties: false, properties: { reason: text } },
};

export const STATE_FREE_OPERATIONS = new Set(['task.claim', 'task.transfer', 'task.delegate', 'task.urge', 'task.copy', 'task.complete']);

/**
 * Roles that may urge (催办) a task whose definition names none: the case's own staff (the window,
 * its chief representative, officers, the head) when they belong to the case or the task, supervisors,
 * and the applicant or bidder.
 */
const DEFAULT_URGERS = ['supervisor', 'head', 'window', 'chief-representative', 'officer', 'applicant', 'bidder'];

export function checkOperationPayload(type: string, payload: Record<string, unknown>): void {
  const fn = validatorFor(TASK_OPERATION_PAYLOADS[type]!);
  if (!fn(payload)) throw new EngineError('INVALID_PAYLOAD', `操作参数无效 invalid payload for '${type}'`, { errors: describeErrors(fn) });
}

function forbid(type: string, task: TaskState, actor: Actor): never {
  throw new EngineError('FORBIDDEN', `无权操作 role '${actor.role}' of '${actor.department ?? '-'}' may not '${type}' task '${task.id}'`, { task: task.id, operation: type });
}

function update(snap: InstanceSnapshot, task: TaskState, effects: Effect[]): void {
  snap.tasks[task.id] = task;
  effects.push({ type: 'update-task', task });
}

/**
 * Applies claim, transfer, delegate, urge, copy or a countersign vote to an open task. Mutates `snap`;
 * returns the countersign result when a vote decides it.
 */
export function applyTaskOperation(defn: CompiledDefinition, snap: InstanceSnapshot, type: string, payload: Record<string, unknown>, actor: Actor, now: number, effects: Effect[]): { task: TaskState; result?: CountersignResult } {
  const task = { ...findTask(snap, payload) };
  const spec = defn.tasks.get(task.state);
  const op = type.slice('task.'.length);
  const allowedOps = spec?.operations ?? ['claim', 'transfer', 'delegate', 'urge', 'copy'];
  if (op !== 'complete' && !allowedOps.includes(op as never)) {
    throw new EngineError('EVENT_NOT_ALLOWED', `此任务不允许 '${op}' is not allowed on task '${task.id}'; allowed: ${allowedOps.join(', ')}`, { task: task.id, allowed: allowedOps });
  }
  const isHead = actor.role === 'head' && actor.department === snap.department;
  switch (type) {
    case 'task.claim':
      if (!holdsTask(task, actor) || (task.claimedBy && task.claimedBy !== actor.id)) forbid(type, task, actor);
      task.claimedBy = actor.id;
      update(snap, task, effects);
      break;
    case 'task.transfer':
      if (!holdsTask(task, actor) && !isHead) forbid(type, task, actor);
      if (typeof payload.toDepartment === 'string') task.department = payload.toDepartment;
      if (typeof payload.toUser === 'string') task.claimedBy = payload.toUser;
      else delete task.claimedBy;
      delete task.delegatedTo;
      update(snap, task, effects);
      effects.push({ type: 'notify', to: String(payload.toUser ?? payload.toDepartment), template: 'task-transferred' });
      break;
    case 'task.delegate':
      if (!holdsTask(task, actor)) forbid(type, task, actor);
      task.delegatedTo = String(payload.to);
      update(snap, task, effects);
      effects.push({ type: 'notify', to: task.delegatedTo, template: 'task-delegated' });
      break;
    case 'task.urge': {
      // Roles a definition lists may urge from any department (e.g. the service centre's one window);
      // with the default list, staff must belong to the case or the task.
      const external = actor.role === 'applicant' || actor.role === 'bidder' || actor.role === 'supervisor';
      const involved = [snap.department, task.department, ...task.assignees].includes(actor.department ?? '');
      const allowed = spec?.urgers ? spec.urgers.includes(actor.role) : DEFAULT_URGERS.includes(actor.role) && (external || involved);
      if (!allowed) forbid(type, task, actor);
      const signed = new Set(task.votes.map((v) => v.assignee));
      const targets = task.mode === 'single' ? [task.claimedBy ?? task.department] : task.assignees.filter((a) => !signed.has(a));
      const message = { zh: String(payload.message ?? `请尽快办理：${task.title.zh}`) };
      for (const to of targets) effects.push({ type: 'notify', to, template: 'task-urged', message });
      break;
    }
    case 'task.copy':
      if (!holdsTask(task, actor) && !isHead) forbid(type, task, actor);
      for (const to of payload.to as string[]) effects.push({ type: 'notify', to, template: 'task-copied' });
      break;
    case 'task.complete': {
      if (task.mode === 'single') {
        throw new EngineError('EVENT_NOT_ALLOWED', `单人任务请用流程事件办结 task '${task.id}' is completed by the step's own events, not 'task.complete'`, { task: task.id });
      }
      const assignee = [actor.department ?? '', actor.id].find((a) => task.assignees.includes(a));
      if (actor.role !== task.role || assignee === undefined) forbid(type, task, actor);
      if (task.votes.some((v) => v.assignee === assignee)) {
        throw new EngineError('EVENT_NOT_ALLOWED', `已签署 '${assignee}' has already signed task '${task.id}'`, { task: task.id, assignee });
      }
      task.votes = [...task.votes, { assignee, by: actor.id, decision: payload.decision as 'approve' | 'reject', at: now, ...(payload.comment ? { comment: String(payload.comment) } : {}) }];
      update(snap, task, effects);
      return { task, result: countersignResult(task) };
    }
  }
  return { task };
}

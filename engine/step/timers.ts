import type { CompiledDefinition } from '../compile/compile-definition.ts';
import type { Effect, InstanceSnapshot } from './types.ts';

const LEVEL_NAMES: Record<string, string> = {
  reminder: '临期提醒',
  'yellow-card': '黄牌警告',
  'red-card': '红牌警告',
  'step-overdue': '环节超时',
  escalation: '升级督办',
};

/**
 * Applies a fired timer: raises the ladder rung's alert, or marks the clock expired and names the
 * event to raise. Returns undefined for a stale timer (re-armed or cancelled since). Mutates `snap`.
 */
export function fireTimer(defn: CompiledDefinition, snap: InstanceSnapshot, timerId: string, dueAt: number, effects: Effect[]): { raise?: string } | undefined {
  if (snap.timers[timerId] !== dueAt) return undefined;
  const match = /^clock:(.+):(r(\d+)|expiry)$/.exec(timerId);
  const def = match ? defn.clocks.find((c) => c.name === match[1]) : undefined;
  const state = def ? snap.clocks[def.name] : undefined;
  delete snap.timers[timerId];
  if (!match || !def || !state) return {};
  if (match[2] === 'expiry') {
    state.expired = true;
    effects.push({ type: 'clock', clock: def.name, change: 'expired', due: state.due });
    return def.onExpiry ? { raise: def.onExpiry } : {};
  }
  const index = Number(match[3]);
  const rung = def.ladder[index];
  if (!rung || state.raised.includes(index)) return {};
  state.raised.push(index);
  const message = rung.message ?? { zh: `${def.title.zh}：${LEVEL_NAMES[rung.level] ?? rung.level}`, en: `${def.title.en ?? def.name}: ${rung.level}` };
  effects.push({
    type: 'raise-alert',
    alert: { level: rung.level, clock: def.name, rung: index, ...(state.due !== undefined ? { due: state.due } : {}), ...(rung.escalate ? { escalateTo: rung.escalate } : {}), message },
  });
  if (rung.notify) effects.push({ type: 'notify', to: rung.notify, template: `alert-${rung.level}`, message });
  return {};
}

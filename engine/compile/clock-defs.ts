import { parseDuration, UNIT_MS } from '../calendar/index.ts';
import type { Duration } from '../calendar/types.ts';
import type { ClockDef, DefinitionDoc, LadderRung, LadderRungSpec } from '../dsl/types.ts';
import type { StateNode } from '../load/state-tree.ts';

/** The calendar a clock uses when neither it nor its definition names one. */
export const DEFAULT_CALENDAR = 'cn-mainland';

/** A period in the unit clocks keep internally: days for wd/d, milliseconds for h/min. */
export function toClockAmount(duration: Duration): number {
  return duration.unit === 'h' || duration.unit === 'min' ? duration.amount * UNIT_MS[duration.unit] : duration.amount;
}

function rungs(specs: LadderRungSpec[] | undefined): LadderRung[] {
  return (specs ?? []).map((rung) => {
    const when = rung.remaining !== undefined ? 'remaining' : rung.overdue !== undefined ? 'overdue' : 'consumed';
    const raw = rung[when];
    const amount = raw === 0 || raw === undefined ? 0 : toClockAmount(parseDuration(String(raw)));
    return { when, amount, level: rung.level, escalate: rung.escalate, notify: rung.notify, message: rung.message };
  });
}

/** Declared clocks plus one `step:<state>` clock for each state with a step limit. Pure; input already checked. */
export function buildClockDefs(def: DefinitionDoc, nodes: Map<string, StateNode>): ClockDef[] {
  const calendar = def.calendar ?? DEFAULT_CALENDAR;
  const clocks: ClockDef[] = Object.entries(def.clocks ?? {}).map(([name, spec]) => ({
    name,
    title: spec.title ?? { zh: name },
    limit: parseDuration(spec.limit),
    calendar: spec.calendar ?? calendar,
    endAt: spec['end-at'] ?? 'midnight',
    runsIn: spec['runs-in'],
    pausedIn: spec['paused-in'] ?? [],
    extendOn: (spec['extend-on'] ?? []).map((e) => ({ event: e.event, by: parseDuration(e.by), max: e.max })),
    ladder: rungs(spec.ladder),
    onExpiry: spec['on-expiry'],
    restartOnEntry: false,
  }));
  for (const node of nodes.values()) {
    if (!node.spec.limit) continue;
    const fallback = node.spec['on-limit'] ? [] : [{ when: 'remaining' as const, amount: 0, level: 'step-overdue' }];
    const ladder = node.spec.ladder?.length ? rungs(node.spec.ladder) : fallback;
    clocks.push({
      name: `step:${node.name}`,
      title: { zh: `${node.spec.title?.zh ?? node.name}环节时限`, en: `${node.spec.title?.en ?? node.name} step limit` },
      limit: parseDuration(node.spec.limit),
      calendar,
      endAt: 'midnight',
      runsIn: [node.name],
      pausedIn: [],
      extendOn: [],
      ladder,
      onExpiry: node.spec['on-limit'],
      restartOnEntry: true,
    });
  }
  return clocks;
}

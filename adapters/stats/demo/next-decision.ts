import { UNIT_MS } from '../../../engine/calendar/index.ts';
import type { Calendar, Duration } from '../../../engine/calendar/types.ts';
import { leafStates } from '../../../engine/stats/index.ts';
import type { InstanceSnapshot } from '../../runtime/engine-port.ts';
import type { Decision, SimulatedCase } from './case-agent.ts';
import { afterNaturalDays, afterWorkingDays } from './office-time.ts';
import type { SeededRandom } from './seeded-random.ts';

const HOUR = 3_600_000;
/** Roles that work through their queue within the day (receipt, registration, printing). */
const DESK_ROLES = new Set(['window', 'chief-representative', 'clerk', 'secretary']);

/** When `amount` of `unit` has passed after `now`: working days at office hours, natural days, or elapsed time. */
function after(calendar: Calendar, now: number, amount: number, unit: Duration['unit'], rng: SeededRandom): number {
  if (unit === 'wd') return afterWorkingDays(calendar, now, Math.round(amount), rng);
  if (unit === 'd') return afterNaturalDays(now, Math.round(amount), rng);
  return now + Math.max(10 * 60_000, Math.round(amount * UNIT_MS[unit]));
}

/**
 * When a case is looked at next, given where it now stands. Staff work within the step's own
 * limit (a share of it drawn at random; at most a third of the promised limit for working-day
 * steps), desks within the day, applicants within days, and a special procedure (excluded time)
 * takes weeks. A late case overruns one step once. Reads only the state value and the tasks of
 * `snap`, so a stand-in built from a command's resulting state will do.
 */
export function nextDecisionAt(c: SimulatedCase, snap: InstanceSnapshot, now: number, calendar: Calendar, rng: SeededRandom, last?: Decision['kind']): number {
  const g = c.graph;
  // Outside parties follow one another within a day (bidders registering, paying, bidding).
  if (last === 'crowd') return afterNaturalDays(now, rng.int(0, 1), rng);
  const leaves = leafStates(snap.value);
  // Hearings and appraisals take months; a third of the procedures end within a month.
  if (leaves.some((s) => g.pausedStates.has(s))) return afterWorkingDays(calendar, now, rng.chance(0.3) ? rng.int(5, 20) : rng.int(60, 180), rng);
  const task = Object.values(snap.tasks).sort((a, b) => a.id.localeCompare(b.id))[0];
  // Applicants answer a supplement notice within days, a fifth of them only after weeks.
  if (!task) return afterNaturalDays(now, c.taken.has('supplement') && rng.chance(0.2) ? rng.int(5, 30) : rng.int(0, 4), rng);
  const step = g.def.clocks.find((clock) => clock.name === `step:${task.state}`)?.limit;
  let budget: Duration = step ?? { amount: DESK_ROLES.has(task.role) ? 1 : Math.max(1, Math.floor(g.promisedWd / 3)), unit: 'wd' };
  if (budget.unit === 'wd') budget = { amount: Math.min(budget.amount, Math.max(1, Math.floor(g.promisedWd / 3))), unit: 'wd' };
  let amount = rng.next() * 0.6 * budget.amount;
  if (DESK_ROLES.has(task.role) && budget.unit === 'wd') amount = rng.chance(0.7) ? 0 : 1;
  if (c.persona.lateness !== 'normal' && !c.taken.has('late') && !DESK_ROLES.has(task.role)) {
    c.taken.add('late');
    const over = budget.unit === 'wd' ? g.promisedWd : budget.amount;
    amount += c.persona.lateness === 'late' ? over + rng.int(0, 4) : 2 * over + rng.int(5, 15);
  }
  return after(calendar, now, amount, budget.unit, rng);
}

/**
 * For a case that lets a clock run out (the window forgets to accept in time): an hour after the
 * due instant of an expiring clock running in its current states; undefined when none runs.
 */
export function afterExpiry(c: SimulatedCase, snap: InstanceSnapshot, now: number): number | undefined {
  const active = new Set(leafStates(snap.value));
  const expiring = c.graph.def.clocks.find((def) => def.onExpiry && snap.clocks[def.name]?.status === 'running' && def.runsIn.some((s) => active.has(s)));
  const due = expiring ? snap.clocks[expiring.name]?.due : undefined;
  return due === undefined ? undefined : Math.max(due, now) + HOUR;
}

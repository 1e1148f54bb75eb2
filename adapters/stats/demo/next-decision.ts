import { leafStates } from '../../../engine/stats/index.ts';
import type { Calendar } from '../../../engine/calendar/types.ts';
import type { InstanceSnapshot } from '../../runtime/engine-port.ts';
import type { Decision, SimulatedCase } from './case-agent.ts';
import { afterNaturalDays, afterWorkingDays } from './office-time.ts';
import type { SeededRandom } from './seeded-random.ts';

const HOUR = 3_600_000;

/**
 * When a case is looked at next, given where it now stands: staff act within office hours on
 * working days (the window within a day, officers within a third of the promised limit unless the
 * case is a late one, heads within two days), applicants any day, and a special procedure
 * (excluded time) takes weeks. A case that is to let a clock run out waits until just after it.
 */
export function nextDecisionAt(c: SimulatedCase, snap: InstanceSnapshot, now: number, calendar: Calendar, rng: SeededRandom, last?: Decision['kind']): number {
  const g = c.graph;
  // Outside parties follow one another within a day (bidders registering, paying, bidding).
  if (last === 'crowd') return afterNaturalDays(now, rng.int(0, 1), rng);
  if (c.persona.forget && !c.taken.has('forget')) {
    c.taken.add('forget');
    const active = new Set(leafStates(snap.value));
    const expiring = g.def.clocks.find((def) => def.onExpiry && snap.clocks[def.name]?.status === 'running' && def.runsIn.some((s) => active.has(s)));
    const due = expiring ? snap.clocks[expiring.name]?.due : undefined;
    if (due !== undefined) return Math.max(due, now) + HOUR;
  }
  const leaves = leafStates(snap.value);
  if (leaves.some((s) => g.pausedStates.has(s))) return afterWorkingDays(calendar, now, rng.int(10, 60), rng);
  const task = Object.values(snap.tasks).sort((a, b) => a.id.localeCompare(b.id))[0];
  if (!task) return afterNaturalDays(now, rng.int(0, 4), rng);
  switch (task.role) {
    case 'window':
    case 'chief-representative':
      return afterWorkingDays(calendar, now, rng.chance(0.6) ? 0 : rng.int(1, 2), rng);
    case 'head':
      return afterWorkingDays(calendar, now, rng.int(0, 2), rng);
    default: {
      let wd = rng.int(0, Math.max(1, Math.floor(g.promisedWd / 3)));
      if (c.persona.lateness !== 'normal' && !c.taken.has('late')) {
        c.taken.add('late');
        wd += c.persona.lateness === 'late' ? g.promisedWd + rng.int(0, 4) : 2 * g.promisedWd + rng.int(5, 15);
      }
      return afterWorkingDays(calendar, now, wd, rng);
    }
  }
}

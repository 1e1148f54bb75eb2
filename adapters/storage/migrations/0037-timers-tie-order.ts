import type { Migration } from './migration.ts';

/**
 * Timers due at the same instant (and of the same rung) fire in the order of their instance id,
 * not in the order their rows happen to sit in. The order is then the same on every node and
 * every run, and a claim batch of thousands of simultaneous timers spreads over instance pages
 * instead of taking every row of the pages it touches: instances started together sit together,
 * and when one transaction rewrites all of a page's rows their new versions no longer fit beside
 * them, so half of a storm's instance updates touched all five instance indexes instead of none
 * (heap-only updates). An instance's own timers keep their `fire_order` (a yellow card before the
 * expiry due with it).
 */
export const migration0037: Migration = {
  version: 37,
  name: 'timers-tie-order',
  statements: [`drop index timers_due_at`, `create index timers_due_at on timers (due_at, fire_order, instance_id)`],
};

import type { EscalationPolicy } from '../../../adapters/alerts/escalation-policy.ts';
import type { ServiceMetrics } from '../metrics/service-metrics.ts';

/** What the server hands the supervision routes and `/metrics`; tests that build the API alone leave it out. */
export interface SupervisionDeps {
  /** The server's metrics (the instrumented runtime and the scheduler feed it). */
  metrics?: ServiceMetrics;
  /** The escalation policy the server's job runs with, shown to supervisors. */
  escalation?: EscalationPolicy;
}

import type { Context } from 'hono';
import { recordSecurityEvent } from '../../../adapters/auth/security-audit.ts';
import type { ApiDeps } from '../api-deps.ts';
import type { Denial } from '../api-error.ts';
import type { AppEnv } from '../routing/app-env.ts';
import { describePrincipal } from './principal.ts';
import { clientAddress } from './throttle.ts';

function base(deps: Pick<ApiDeps, 'throttle'>, c: Context<AppEnv>) {
  const principal = c.get('principal');
  const actor = describePrincipal(principal);
  const region = principal?.region;
  const ip = clientAddress(c, deps.throttle?.trustedProxies ?? 0);
  return {
    occurredAt: Date.now(),
    requestId: c.get('requestId'),
    ...(actor ? { actor } : {}),
    ...(region ? { region } : {}),
    method: c.req.method,
    path: new URL(c.req.url).pathname,
    action: c.get('action') ?? `${c.req.method} (unmatched)`,
    ...(ip ? { ip } : {}),
  };
}

/** Writes a refused request to the security audit (who, what, when, why). */
export async function recordDenial(deps: Pick<ApiDeps, 'db' | 'clock' | 'throttle'>, c: Context<AppEnv>, status: number, code: string, denial: Denial): Promise<void> {
  await recordSecurityEvent(deps.db, {
    ...base(deps, c),
    occurredAt: deps.clock.now(),
    outcome: 'denied',
    status,
    code,
    reason: denial.reason,
    ...(denial.resource ? { resource: denial.resource } : {}),
  });
}

/** Writes a grant of access (a token created or revoked) to the security audit. */
export async function recordGrant(deps: Pick<ApiDeps, 'db' | 'clock' | 'throttle'>, c: Context<AppEnv>, action: string, resource: string, reason: string): Promise<void> {
  await recordSecurityEvent(deps.db, { ...base(deps, c), occurredAt: deps.clock.now(), outcome: 'granted', action, resource, status: 200, code: 'GRANTED', reason });
}

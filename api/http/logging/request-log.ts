import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { AppEnv } from '../routing/app-env.ts';

/**
 * One log line per request: request id, route, status, duration, who asked and which case.
 * Query strings and bodies are never logged.
 */
export function requestLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const log = logger.child({ reqId: c.get('requestId') });
    c.set('log', log);
    await next();
    const principal = c.get('principal');
    const actor =
      principal?.kind === 'staff'
        ? { id: principal.name, role: principal.role, department: principal.department }
        : principal?.kind === 'party'
          ? { role: principal.party, receiptNo: principal.receiptNo }
          : undefined;
    log.info(
      {
        method: c.req.method,
        route: c.get('action') ?? new URL(c.req.url).pathname,
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        ...(actor ? { actor } : {}),
        ...(c.get('instanceId') ? { instanceId: c.get('instanceId') } : {}),
      },
      'request',
    );
  };
}

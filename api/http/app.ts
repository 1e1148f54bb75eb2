import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { ApiDeps } from './api-deps.ts';
import { ApiError } from './api-error.ts';
import { abuseLimitsFromEnv, type AbuseLimits } from './auth/abuse-limits.ts';
import { recordDenial } from './auth/record-security-event.ts';
import { Throttle } from './auth/throttle.ts';
import { registerDashboard } from './dashboard/register-dashboard.ts';
import { requestLog } from './logging/request-log.ts';
import { registerMetricsRoute } from './metrics/metrics-route.ts';
import { createErrorHandler } from './on-error.ts';
import type { AppEnv } from './routing/app-env.ts';
import { YAML_BODY_LIMIT } from './routing/read-body.ts';
import { RouteRegistry } from './routing/route-registry.ts';
import { registerAdminRoutes } from './routes/admin-routes.ts';
import { registerAlertRoutes } from './routes/alert-routes.ts';
import { registerDefinitionRoutes } from './routes/definition-routes.ts';
import { registerDisclosureRoutes } from './routes/disclosure-routes.ts';
import { registerInstanceRoutes } from './routes/instance-routes.ts';
import { registerPartyRoutes } from './routes/party-routes.ts';
import { registerStatsRoutes } from './routes/stats-routes.ts';
import { registerStreamRoutes } from './routes/stream-routes.ts';
import { registerSupervisionRoutes } from './routes/supervision-routes.ts';
import { registerSystemRoutes } from './routes/system-routes.ts';
import { registerTaskRoutes } from './routes/task-routes.ts';
import { StreamHub } from './streams/stream-hub.ts';

export interface Api {
  app: Hono<AppEnv>;
  routes: RouteRegistry;
  /** Open SSE streams; `close()` ends them (server shutdown). */
  streams: StreamHub;
}

export interface ApiOptions {
  version?: string;
  isClosing?: () => boolean;
  /** Request rates and verification-code attempts. Default: from the environment (`abuseLimitsFromEnv`). */
  limits?: AbuseLimits;
}

/** Public endpoints: item disclosure, and filing and following a case by receipt number. */
const PUBLIC_PATH = /^\/api\/v1\/(public\/|applications(\/|$)|bids(\/|$))/;

/**
 * The HTTP API as a hono app: request ids, structured request logs, security headers, request
 * rate limits, every operation with its checks, the OpenAPI document and docs, the dashboard mount
 * point, and one error handler for all of it. Does not listen; `startServer` does, tests use `app.request()`.
 */
export function createApi(apiDeps: ApiDeps, options: ApiOptions = {}): Api {
  const throttle = new Throttle(options.limits ?? abuseLimitsFromEnv(process.env), apiDeps.clock);
  const streams = new StreamHub({ bus: apiDeps.bus, db: apiDeps.db, logger: apiDeps.logger });
  const afterCommit = () => {
    apiDeps.afterCommit?.();
    streams.wake();
  };
  const deps: ApiDeps = { ...apiDeps, throttle, afterCommit };
  const app = new Hono<AppEnv>();
  // An incoming X-Request-Id is kept when it is short plain text ([A-Za-z0-9_=-]); otherwise a fresh one is made.
  app.use(requestId({ limitLength: 64, generator: () => crypto.randomUUID() }));
  app.use(requestLog(deps.logger));
  app.use(async (c, next) => {
    await next();
    // While shutting down, answers close their connection so the server can finish promptly.
    if (options.isClosing?.()) c.header('Connection', 'close');
  });
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
      },
    }),
  );
  app.use(async (c, next) => {
    // Refuse oversized bodies before any route reads them; each route then applies its own, smaller limit.
    const declared = c.req.header('content-length');
    if (declared !== undefined && Number(declared) > YAML_BODY_LIMIT) {
      throw new ApiError('BODY_TOO_LARGE', `请求体过大 request body larger than ${YAML_BODY_LIMIT} bytes`);
    }
    await next();
  });
  app.use('/api/v1/*', async (c, next) => {
    if (PUBLIC_PATH.test(c.req.path)) throttle.checkPublic(c);
    await next();
  });

  const routes = new RouteRegistry(app, deps);
  registerDisclosureRoutes(routes);
  registerPartyRoutes(routes);
  registerDefinitionRoutes(routes);
  registerInstanceRoutes(routes);
  registerTaskRoutes(routes);
  registerAlertRoutes(routes);
  registerStatsRoutes(routes);
  registerSupervisionRoutes(routes);
  registerStreamRoutes(routes, streams);
  registerAdminRoutes(routes);
  registerSystemRoutes(app, routes, deps, options.version ?? '0.1.0');
  registerMetricsRoute(app, deps, streams);
  registerDashboard(app, deps);

  app.notFound(() => {
    throw new ApiError('ROUTE_NOT_FOUND', '没有这个接口 no such endpoint; see /docs');
  });
  app.onError(createErrorHandler({ logger: deps.logger, recordDenial: (c, status, code, denial) => recordDenial(deps, c, status, code, denial) }));
  return { app, routes, streams };
}

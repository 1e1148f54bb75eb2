import { timingSafeEqual } from 'node:crypto';
import type { Hono } from 'hono';
import type { ApiDeps } from '../api-deps.ts';
import { ApiError } from '../api-error.ts';
import type { AppEnv } from '../routing/app-env.ts';
import type { StreamHub } from '../streams/stream-hub.ts';
import { ServiceMetrics } from './service-metrics.ts';

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * `GET /metrics` in the Prometheus text format. The figures carry no personal data; when
 * `GOVFLOW_METRICS_TOKEN` is set the scraper must send it as a bearer token (otherwise restrict
 * the path at the network edge). Without the server's metrics in `deps` (tests that build the API
 * alone), a registry with only the scrape-time gauges is served.
 */
export function registerMetricsRoute(app: Hono<AppEnv>, deps: ApiDeps, streams: StreamHub, env: Record<string, string | undefined> = process.env): ServiceMetrics {
  const metrics = deps.supervision?.metrics ?? new ServiceMetrics({ defaultMetrics: false });
  metrics.attach({ db: deps.db, sseClients: () => streams.size });
  const token = env['GOVFLOW_METRICS_TOKEN'];
  app.get('/metrics', async (c) => {
    if (token) {
      const sent = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
      if (!sameText(sent, token)) throw new ApiError('UNAUTHENTICATED', '需要监控令牌 metrics need the GOVFLOW_METRICS_TOKEN bearer token', [], { denial: { reason: 'missing or wrong metrics token' } });
    }
    const { text, contentType } = await metrics.render();
    return c.body(text, 200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  });
  return metrics;
}

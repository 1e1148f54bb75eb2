import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Hono } from 'hono';
import type { ApiDeps } from '../api-deps.ts';
import { openApiDocument } from '../openapi/openapi-document.ts';
import type { AppEnv } from '../routing/app-env.ts';
import type { RouteRegistry } from '../routing/route-registry.ts';
import { serveFile } from '../routing/static-files.ts';

const DOCS_DIR = fileURLToPath(new URL('../openapi/docs/', import.meta.url));

/** `/healthz`, `/openapi.json` and the locally served `/docs`. */
export function registerSystemRoutes(app: Hono<AppEnv>, routes: RouteRegistry, deps: ApiDeps, version: string): void {
  let document: Record<string, unknown> | undefined;
  app.get('/openapi.json', (c) => c.json((document ??= openApiDocument(routes.specs, { version }))));
  app.get('/docs', async (c) => (await serveFile(c, DOCS_DIR, 'index.html'))!);
  app.get('/docs/:file{[a-z]+\\.(?:js|css)}', async (c, next) => (await serveFile(c, DOCS_DIR, c.req.param('file'))) ?? next());
  app.get('/healthz', async (c) => {
    await sql`select 1`.execute(deps.db);
    return c.json({ ok: true });
  });
}

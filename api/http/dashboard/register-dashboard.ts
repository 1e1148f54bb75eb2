import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';
import type { ApiDeps } from '../api-deps.ts';
import type { AppEnv } from '../routing/app-env.ts';
import { serveFile } from '../routing/static-files.ts';

/** `api/http/public/` of this repository. */
export const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));

/**
 * Mount point of the supervisor dashboard: `/` serves `index.html` and any other path that
 * names a file under the public directory serves that file. Registered after the API, so API
 * routes always win. The dashboard talks to the API with the same bearer tokens.
 */
export function registerDashboard(app: Hono<AppEnv>, deps: Pick<ApiDeps, 'publicDir'>): void {
  const dir = deps.publicDir ?? PUBLIC_DIR;
  app.get('/', async (c, next) => (await serveFile(c, dir, 'index.html')) ?? next());
  app.get('/*', async (c, next) => {
    let name: string;
    try {
      name = decodeURIComponent(new URL(c.req.url).pathname.slice(1));
    } catch {
      return next();
    }
    return (await serveFile(c, dir, name)) ?? next();
  });
}

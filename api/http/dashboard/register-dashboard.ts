import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';
import type { ApiDeps } from '../api-deps.ts';
import type { AppEnv } from '../routing/app-env.ts';
import { serveFile } from '../routing/static-files.ts';

/** `api/http/public/` of this repository. */
export const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));

/** Browser builds served from `node_modules` (no bundler): URL path → package file. */
const VENDOR: Record<string, string> = {
  'echarts.min.js': 'echarts/dist/echarts.min.js',
};

const require = createRequire(import.meta.url);

/** A vendored file's bytes, read once; its package version makes the URL safe to cache. */
function vendorFile(name: string): () => Promise<{ body: Uint8Array<ArrayBuffer>; etag: string }> {
  let loaded: Promise<{ body: Uint8Array<ArrayBuffer>; etag: string }> | undefined;
  return () =>
    (loaded ??= (async () => {
      const spec = VENDOR[name]!;
      const pkg = spec.split('/')[0]!;
      const { version } = require(`${pkg}/package.json`) as { version: string };
      return { body: new Uint8Array(await readFile(require.resolve(spec))), etag: `"${pkg}-${version}"` };
    })());
}

/**
 * The supervisor dashboard (监察大屏): `/` serves `index.html` and any other path that names a
 * file under the public directory serves that file — plain ES modules, no build step. echarts
 * comes from `node_modules` at `/vendor/echarts.min.js`. Registered after the API, so API routes
 * always win. The dashboard talks to the API with the same bearer tokens.
 */
export function registerDashboard(app: Hono<AppEnv>, deps: Pick<ApiDeps, 'publicDir'>): void {
  const dir = deps.publicDir ?? PUBLIC_DIR;
  const vendors = new Map(Object.keys(VENDOR).map((name) => [name, vendorFile(name)]));
  app.get('/vendor/:file', async (c, next) => {
    const load = vendors.get(c.req.param('file'));
    if (!load) return next();
    const { body, etag } = await load();
    if (c.req.header('if-none-match') === etag) return c.body(null, 304);
    return c.body(body, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=86400', ETag: etag });
  });
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

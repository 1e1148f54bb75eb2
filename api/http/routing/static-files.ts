import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Context } from 'hono';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** Relative file names made of plain segments only: no `..`, no hidden files, no backslashes. */
const SAFE = /^(?:[A-Za-z0-9_-][A-Za-z0-9._-]*\/)*[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/**
 * The file `name` under `dir` as a response, or `undefined` when it is not there, not a plain
 * relative name, or of a type not served. Never leaves `dir`.
 */
export async function serveFile(c: Context, dir: string, name: string): Promise<Response | undefined> {
  if (!SAFE.test(name) || name.split('/').some((s) => s === '..' || s === '.')) return undefined;
  const type = TYPES[path.extname(name).toLowerCase()];
  if (!type) return undefined;
  const root = path.resolve(dir);
  const file = path.resolve(root, name);
  if (!file.startsWith(root + path.sep)) return undefined;
  try {
    if (!(await stat(file)).isFile()) return undefined;
    const body = await readFile(file);
    return c.body(body, 200, { 'Content-Type': type, 'Cache-Control': 'no-cache' });
  } catch {
    return undefined;
  }
}

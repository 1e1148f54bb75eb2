import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCalendarsFromDir } from '../../../adapters/calendar-files.ts';
import { findProcessFiles, readSources } from '../../../adapters/definition-files.ts';
import { loadDefinitions, type LoadResult } from '../../../engine/index.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export function calendarsDir(): string {
  return process.env.GOVFLOW_CALENDARS_DIR ?? join(REPO_ROOT, 'processes', 'calendars');
}

/** `templates/` folders beside each path or above it, and the repository's own. */
function templateDirs(paths: string[]): string[] {
  const dirs = new Set<string>([join(REPO_ROOT, 'processes', 'templates')]);
  for (const path of paths) {
    let dir = statSync(path).isDirectory() ? path : dirname(path);
    for (let i = 0; i < 4; i++) {
      const candidate = join(dir, 'templates');
      if (existsSync(candidate)) dirs.add(candidate);
      if (dir === dirname(dir)) break;
      dir = dirname(dir);
    }
  }
  return [...dirs];
}

/**
 * Loads the definitions under `paths`; templates a definition extends are taken from a
 * `templates/` folder beside or above them, or from `processes/templates`.
 */
export function loadSet(paths: string[]): LoadResult & { scenarios: string[]; files: string[] } {
  const absolute = paths.map((p) => resolve(p));
  const found = findProcessFiles(absolute);
  const extra = [...new Set(templateDirs(absolute).flatMap(findSafe))].filter((f) => !found.definitions.includes(f));
  const sources = readSources([...found.definitions, ...extra]);
  const result = loadDefinitions(sources, { calendars: loadCalendarsFromDir(calendarsDir()) });
  return { ...result, scenarios: found.scenarios, files: found.definitions };
}

function findSafe(dir: string): string[] {
  try {
    return findProcessFiles([dir]).definitions;
  } catch {
    return [];
  }
}

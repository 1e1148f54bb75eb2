import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCalendarsFromDir } from '../../../adapters/calendar-files.ts';
import { findProcessFiles, readSources } from '../../../adapters/definition-files.ts';
import { loadDefinitions, type LoadResult } from '../../../engine/index.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export function calendarsDir(): string {
  return process.env.GOVFLOW_CALENDARS_DIR ?? join(REPO_ROOT, 'processes', 'calendars');
}

/**
 * Loads the definitions under `paths`; templates a definition extends are taken from
 * `processes/templates` when not among the paths themselves.
 */
export function loadSet(paths: string[]): LoadResult & { scenarios: string[]; files: string[] } {
  const found = findProcessFiles(paths.map((p) => resolve(p)));
  const templatesDir = join(REPO_ROOT, 'processes', 'templates');
  const extra = findSafe(templatesDir).filter((f) => !found.definitions.includes(f));
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

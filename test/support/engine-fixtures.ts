import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadCalendarsFromDir } from '../../adapters/calendar-files.ts';
import { loadDefinitions, type CompiledDefinition, type LoadResult } from '../../engine/index.ts';

export const calendars = loadCalendarsFromDir(join(import.meta.dirname, '../../processes/calendars'));

const fixtures = join(import.meta.dirname, '../engine/fixtures');

export function source(path: string): { path: string; text: string } {
  return { path, text: readFileSync(path, 'utf8') };
}

/** Loads files together with the fixture template; paths in diagnostics stay as given. */
export function loadWithTemplate(paths: string[]): LoadResult {
  const template = join('test/engine/fixtures/templates/mini-template.yaml');
  return loadDefinitions([...paths, template].map(source), { calendars });
}

/** The compiled `mini-licence` fixture. */
export function miniLicence(): CompiledDefinition {
  const result = loadDefinitions([source(join(fixtures, 'mini-licence.yaml'))], { calendars });
  if (result.diagnostics.length || !result.definitions[0]) throw new Error(JSON.stringify(result.diagnostics));
  return result.definitions[0];
}

export function brokenFiles(): string[] {
  return readdirSync('test/engine/broken').filter((f) => f.endsWith('.yaml')).sort();
}

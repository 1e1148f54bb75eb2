import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadCalendarsFromDir } from '../../adapters/calendar-files.ts';
import type { Actor, CompiledDefinition } from '../../adapters/runtime/engine-port.ts';
import { formatDiagnostic, loadDefinitions } from '../../engine/index.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The working-day calendars under `processes/calendars`. */
export const calendars = loadCalendarsFromDir(path.join(ROOT, 'processes/calendars'));

/**
 * Compiles a definition fixture from `test/runtime/fixtures/<name>.yaml`.
 * @throws Error listing the diagnostics when it does not load clean.
 */
export function loadFixture(name: string): CompiledDefinition {
  const file = path.join(ROOT, 'test/runtime/fixtures', `${name}.yaml`);
  const { definitions, diagnostics } = loadDefinitions([{ path: path.relative(ROOT, file), text: readFileSync(file, 'utf8') }], { calendars });
  const def = definitions[0];
  if (!def || diagnostics.length > 0) throw new Error(diagnostics.map(formatDiagnostic).join('\n'));
  return def;
}

/** Actors of the runtime-permit fixture. */
export const actors = {
  applicant: { id: 'applicant-1', role: 'applicant', region: '520000' },
  window: { id: 'window-1', role: 'window', department: 'market-regulation' },
  head: { id: 'head-1', role: 'head', department: 'market-regulation' },
  outsider: { id: 'clerk-9', role: 'window', department: 'transport' },
} satisfies Record<string, Actor>;

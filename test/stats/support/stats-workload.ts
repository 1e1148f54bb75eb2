import path from 'node:path';
import type { Kysely } from 'kysely';
import { loadCalendarsFromDir } from '../../../adapters/calendar-files.ts';
import { findProcessFiles, readSources } from '../../../adapters/definition-files.ts';
import type { Database } from '../../../adapters/storage/database.ts';
import { runDemo, type DemoReport } from '../../../adapters/stats/demo/run-demo.ts';
import { addDays } from '../../../engine/calendar/index.ts';
import type { Calendar } from '../../../engine/calendar/types.ts';
import { formatDiagnostic, loadDefinitions, type CompiledDefinition } from '../../../engine/index.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** The working-day calendars and every definition under `processes/` (templates resolved). */
export function processLibrary(): { calendar: Calendar; definitions: CompiledDefinition[] } {
  const calendars = loadCalendarsFromDir(path.join(ROOT, 'processes/calendars'));
  const { definitions: files } = findProcessFiles([path.join(ROOT, 'processes')]);
  const { definitions, diagnostics } = loadDefinitions(readSources(files, ROOT), { calendars });
  if (diagnostics.length > 0) throw new Error(diagnostics.map(formatDiagnostic).join('\n'));
  const calendar = calendars.get('cn-mainland');
  if (!calendar) throw new Error('cn-mainland calendar missing');
  return { calendar, definitions };
}

/** The small workload the statistics tests use: `govflow demo --days 5` with a tail so cases finish. */
export const TEST_WORKLOAD = { days: 5, perDay: 40, drainDays: 35, seed: 20260105, start: '2026-03-02' } as const;

export async function runTestWorkload(db: Kysely<Database>, definitions: CompiledDefinition[], calendar: Calendar): Promise<{ report: DemoReport; from: string; to: string }> {
  const report = await runDemo({ db, definitions, calendar, ...TEST_WORKLOAD });
  return { report, from: TEST_WORKLOAD.start, to: addDays(TEST_WORKLOAD.start, TEST_WORKLOAD.days + TEST_WORKLOAD.drainDays - 1) };
}

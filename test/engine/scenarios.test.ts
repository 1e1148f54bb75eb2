import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, type CompiledDefinition } from '../../engine/index.ts';
import { parseSource } from '../../engine/load/source-document.ts';
import { runScenario } from '../../engine/simulate/run-scenario.ts';
import { loadSet } from '../../api/cli/commands/load-set.ts';

function byId(definitions: CompiledDefinition[]): Map<string, CompiledDefinition> {
  return new Map(definitions.map((d) => [d.id, d]));
}

function run(file: string, text: string, definitions: Map<string, CompiledDefinition>) {
  const parsed = parseSource(file, text);
  if (!parsed.doc) return parsed.diagnostics.map(formatDiagnostic);
  return runScenario(parsed.doc, definitions).failures.map(formatDiagnostic);
}

for (const root of ['test/engine/fixtures', 'processes']) {
  describe(`scenarios under ${root}`, () => {
    const set = loadSet([root]);
    it('load without diagnostics', () => {
      expect(set.diagnostics.map(formatDiagnostic)).toEqual([]);
    });
    const definitions = byId(set.definitions);
    it.each(set.scenarios.length ? set.scenarios : ['(none)'])('%s', (file) => {
      if (file === '(none)') return;
      expect(run(file, readFileSync(file, 'utf8'), definitions)).toEqual([]);
    });
  });
}

describe('scenario failures', () => {
  const definitions = byId(loadSet(['test/engine/fixtures']).definitions);
  const base = readFileSync('test/engine/fixtures/mini-licence.scenario.yaml', 'utf8');

  it('names the file, line and expectation that failed', () => {
    const wrong = base.replace('due: 2026-10-30, remaining: 20wd', 'due: 2026-10-29, remaining: 20wd');
    expect(run('s.yaml', wrong, definitions)).toEqual([
      's.yaml:17:52 steps.0.expect.clocks.statutory.due: expected due 2026-10-29, got 2026-10-30T23:59:59.999+08:00',
    ]);
  });

  it('reports an expected error that did not happen, and an unknown definition', () => {
    const noError = base.replace('expect: { error: EXTENSION_LIMIT }', 'expect: { error: FORBIDDEN }');
    expect(run('s.yaml', noError, definitions)[0]).toMatch(/^s\.yaml:\d+:\d+ steps\.5\.expect\.error: unexpected error EXTENSION_LIMIT/);
    expect(run('s.yaml', base.replace('definition: mini-licence', 'definition: nope'), definitions)[0]).toMatch(/^s\.yaml:2:13 definition: 未知流程 unknown definition 'nope'/);
  });

  it('checks the scenario file against its schema', () => {
    expect(run('s.yaml', base.replace('expect: { alerts: [] }', 'expect: { alert: [] }'), definitions)[0]).toMatch(/unknown key 'alert'; allowed: state, status/);
  });
});

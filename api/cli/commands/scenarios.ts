import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { formatDiagnostic, type CompiledDefinition } from '../../../engine/index.ts';
import { parseSource } from '../../../engine/load/source-document.ts';
import { runScenario, type ScenarioResult } from '../../../engine/simulate/run-scenario.ts';
import { loadSet } from './load-set.ts';

function latestById(definitions: CompiledDefinition[]): Map<string, CompiledDefinition> {
  const out = new Map<string, CompiledDefinition>();
  for (const d of definitions) if ((out.get(d.id)?.version ?? 0) < d.version) out.set(d.id, d);
  return out;
}

function runFile(file: string, definitions: Map<string, CompiledDefinition>): ScenarioResult {
  const path = relative(process.cwd(), file) || file;
  const parsed = parseSource(path, readFileSync(file, 'utf8'));
  if (!parsed.doc) return { file: path, title: path, timeline: [], failures: parsed.diagnostics };
  return runScenario(parsed.doc, definitions);
}

function printTimeline(result: ScenarioResult): void {
  process.stdout.write(`${result.title}  (${result.file})\n`);
  for (const entry of result.timeline) {
    const clocks = Object.entries(entry.clocks)
      .map(([name, c]) => `${name}=${c.status}${c.due ? ` 到期 ${c.due}` : ''}${c.remaining !== undefined && (c.unit === 'wd' || c.unit === 'd') ? ` 剩 ${c.remaining}${c.unit}` : ''}`)
      .join('; ');
    const alerts = entry.alerts.length ? `  ⚠ ${entry.alerts.join(', ')}` : '';
    const error = entry.error ? `  ✗ ${entry.error.code}` : '';
    process.stdout.write(`  ${entry.at}  ${entry.event.padEnd(28)} ${JSON.stringify(entry.state)}${alerts}${error}\n      ${clocks}\n`);
  }
}

/** `govflow simulate <definition> <scenario>` and `govflow test [dir]`. */
export function registerScenarioCommands(program: Command): void {
  program
    .command('simulate')
    .description('在虚拟时钟上运行一个场景 run one scenario on a virtual clock and print its timeline')
    .argument('<definition>', 'the definition file (its template is found in processes/templates)')
    .argument('<scenario>', 'the scenario file')
    .option('--json', 'print the timeline and failures as JSON')
    .action((definition: string, scenario: string, options: { json?: boolean }) => {
      const set = loadSet([definition]);
      for (const d of set.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
      const result = runFile(resolve(scenario), latestById(set.definitions));
      if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else {
        printTimeline(result);
        for (const f of result.failures) process.stderr.write(`${formatDiagnostic(f)}\n`);
      }
      if (result.failures.length || set.diagnostics.length) process.exitCode = 1;
    });
  program
    .command('test')
    .description('运行目录下所有场景测试 run every *.scenario.yaml under the directories')
    .argument('[paths...]', 'files or directories', ['processes'])
    .option('--json', 'print results as JSON')
    .action((paths: string[], options: { json?: boolean }) => {
      const set = loadSet(paths);
      for (const d of set.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
      const definitions = latestById(set.definitions);
      const results = set.scenarios.map((file) => runFile(file, definitions));
      const failed = results.filter((r) => r.failures.length > 0);
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ passed: results.length - failed.length, failed: failed.length, results: results.map(({ timeline: _t, ...r }) => r) }, null, 2)}\n`);
      } else {
        for (const r of results) {
          process.stdout.write(`${r.failures.length ? '✗' : '✓'} ${r.title}  ${r.file}\n`);
          for (const f of r.failures) process.stdout.write(`    ${formatDiagnostic(f)}\n`);
        }
        process.stdout.write(`${results.length - failed.length} 通过 passed, ${failed.length} 失败 failed, ${results.length} 个场景 scenarios\n`);
      }
      if (failed.length || set.diagnostics.length || results.length === 0) process.exitCode = 1;
    });
}

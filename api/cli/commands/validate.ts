import type { Command } from 'commander';
import { formatDiagnostic } from '../../../engine/index.ts';
import { loadSet } from './load-set.ts';

/** `govflow validate <paths…>`: every error as file:line:col, exit 1 if any. */
export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('校验流程定义 check process definitions (YAML files or directories)')
    .argument('<paths...>', 'files or directories')
    .option('--json', 'print diagnostics as JSON')
    .action((paths: string[], options: { json?: boolean }) => {
      const result = loadSet(paths);
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ ok: result.diagnostics.length === 0, definitions: result.definitions.map((d) => `${d.id}@${d.version}`), diagnostics: result.diagnostics }, null, 2)}\n`);
      } else {
        for (const d of result.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
        const summary = `${result.files.length} 个文件 files, ${result.definitions.length} 个流程 processes, ${result.templates.length} 个模板 templates, ${result.diagnostics.length} 个错误 errors`;
        process.stdout.write(`${result.diagnostics.length ? '✗' : '✓'} ${summary}\n`);
      }
      if (result.diagnostics.length > 0) process.exitCode = 1;
    });
}

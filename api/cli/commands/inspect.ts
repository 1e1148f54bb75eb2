import type { Command } from 'commander';
import { stringify } from 'yaml';
import { formatDiagnostic, toMermaid, type CompiledDefinition } from '../../../engine/index.ts';
import { loadSet } from './load-set.ts';

function loadOne(file: string): CompiledDefinition | undefined {
  const result = loadSet([file]);
  for (const d of result.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  const definition = result.definitions.find((d) => result.files.some((f) => f.endsWith(d.file)));
  if (!definition || result.diagnostics.length > 0) {
    process.stderr.write(`错误 error: ${file} 未能通过校验 did not load\n`);
    process.exitCode = 1;
    return undefined;
  }
  return definition;
}

/** `govflow inspect <file>` and `govflow diagram <file>`. */
export function registerInspectCommands(program: Command): void {
  program
    .command('inspect')
    .description('显示展开模板后的定义 show the definition after template expansion')
    .argument('<file>')
    .option('--json', 'print JSON instead of YAML')
    .action((file: string, options: { json?: boolean }) => {
      const definition = loadOne(file);
      if (!definition) return;
      const out = options.json ? `${JSON.stringify(definition.resolved, null, 2)}\n` : stringify(definition.resolved, { lineWidth: 0 });
      process.stdout.write(out);
    });
  program
    .command('diagram')
    .description('输出状态图 print a Mermaid stateDiagram-v2 of the definition')
    .argument('<file>')
    .action((file: string) => {
      const definition = loadOne(file);
      if (definition) process.stdout.write(toMermaid(definition));
    });
}

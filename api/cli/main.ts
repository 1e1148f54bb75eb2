import { Command } from 'commander';
import { registerCommands } from './commands/index.ts';

const program = new Command();
program
  .name('govflow')
  .description('政务流程引擎 govflow — workflow engine for provincial government services')
  .showHelpAfterError();

registerCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`错误 error: ${message}\n`);
  process.exitCode = 2;
});

import type { Command } from 'commander';
import { registerDeadlineCommand } from './deadline.ts';
import { registerInspectCommands } from './inspect.ts';
import { registerScenarioCommands } from './scenarios.ts';
import { registerValidateCommand } from './validate.ts';

/** Each CLI command lives in its own module and registers itself here. */
export function registerCommands(program: Command): void {
  void program;
  registerDeadlineCommand(program);
  registerValidateCommand(program);
  registerInspectCommands(program);
  registerScenarioCommands(program);
}

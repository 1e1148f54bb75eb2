import type { Command } from 'commander';
import { registerAuditCommands } from './audit.ts';
import { registerCatalogCommand } from './catalog.ts';
import { registerDeadlineCommand } from './deadline.ts';
import { registerDemoCommand } from './demo.ts';
import { registerInspectCommands } from './inspect.ts';
import { registerMigrateCommand } from './migrate.ts';
import { registerScenarioCommands } from './scenarios.ts';
import { registerServeCommand } from './serve.ts';
import { registerStatsCommands } from './stats.ts';
import { registerTokenCommands } from './token.ts';
import { registerValidateCommand } from './validate.ts';
import { registerWorkerCommand } from './worker.ts';

/** Each CLI command lives in its own module and registers itself here. */
export function registerCommands(program: Command): void {
  registerDeadlineCommand(program);
  registerValidateCommand(program);
  registerInspectCommands(program);
  registerScenarioCommands(program);
  registerServeCommand(program);
  registerTokenCommands(program);
  registerCatalogCommand(program);
  registerMigrateCommand(program);
  registerAuditCommands(program);
  registerWorkerCommand(program);
  registerStatsCommands(program);
  registerDemoCommand(program);
}

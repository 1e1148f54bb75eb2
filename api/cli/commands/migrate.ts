import type { Command } from 'commander';
import { migrate } from '../../../adapters/storage/migrate.ts';
import { openStore } from '../../../adapters/storage/open-store.ts';

/** Output sink of a command, so tests can capture it. */
export interface CommandIo {
  out: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

const defaultIo: CommandIo = { out: (t) => process.stdout.write(t), env: process.env };

/**
 * Migrates the configured database (`DATABASE_URL`, else PGlite in `GOVFLOW_DATA_DIR` or `./data`).
 * Returns the exit code: 0.
 */
export async function runMigrate(io: CommandIo = defaultIo): Promise<number> {
  const store = await openStore({ env: io.env });
  try {
    const report = await migrate(store.db);
    const where = store.kind === 'postgres' ? `PostgreSQL schema ${store.schema}` : 'PGlite';
    for (const m of report.applied) io.out(`已应用 applied ${String(m.version).padStart(4, '0')}-${m.name}\n`);
    io.out(`✓ ${where} 架构版本 schema version ${report.current}${report.applied.length === 0 ? '（已是最新 up to date）' : ''}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

/** `govflow migrate`. */
export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('迁移数据库架构 bring the database schema up to date (DATABASE_URL, else embedded PGlite in GOVFLOW_DATA_DIR or ./data)')
    .action(async () => {
      process.exitCode = await runMigrate();
    });
}

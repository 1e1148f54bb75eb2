/** `--name value` from the command line of a bench script, else `fallback`. */
export function option(name: string, fallback: string): string {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
}

/** The PostgreSQL the benchmarks run on: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local `test` database. */
export function benchDatabaseUrl(): string {
  return process.env['BENCH_DATABASE_URL'] ?? process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
}

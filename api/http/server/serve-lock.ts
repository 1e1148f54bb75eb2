import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** File in the embedded database's directory naming the process that serves it. */
const PID_FILE = 'govflow-serve.pid';

/**
 * Records this process as the one serving the embedded database in `dataDir`, so other
 * commands (`govflow token`) do not open it at the same time: PGlite has one owner.
 * Returns the release function.
 */
export function markServing(dataDir: string): () => void {
  const file = path.join(path.resolve(dataDir), PID_FILE);
  writeFileSync(file, String(process.pid));
  return () => rmSync(file, { force: true });
}

/** The pid of a live process serving the embedded database in `dataDir`, if any. */
export function servingProcess(dataDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(path.join(path.resolve(dataDir), PID_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

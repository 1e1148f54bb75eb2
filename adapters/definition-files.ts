import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { DefinitionSource } from '../engine/index.ts';

const SCENARIO = /\.scenario\.ya?ml$/;
const YAML = /\.ya?ml$/;

function walk(path: string, out: string[]): void {
  const info = statSync(path);
  if (info.isFile()) {
    out.push(path);
    return;
  }
  for (const entry of readdirSync(path).sort()) {
    if (entry.startsWith('.') || entry === 'node_modules') continue;
    walk(join(path, entry), out);
  }
}

/** YAML files under the given files or directories, split into definitions and scenarios; calendars are skipped. */
export function findProcessFiles(paths: string[]): { definitions: string[]; scenarios: string[] } {
  const files: string[] = [];
  for (const p of paths) walk(p, files);
  const yaml = files.filter((f) => YAML.test(f) && !f.split(/[\\/]/).includes('calendars'));
  return { definitions: yaml.filter((f) => !SCENARIO.test(f)), scenarios: yaml.filter((f) => SCENARIO.test(f)) };
}

/** Reads definition sources, naming each by its path relative to `cwd` so messages are clickable. */
export function readSources(files: string[], cwd = process.cwd()): DefinitionSource[] {
  return files.map((file) => ({ path: relative(cwd, file) || file, text: readFileSync(file, 'utf8') }));
}

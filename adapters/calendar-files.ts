import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, isNode, parseDocument } from 'yaml';
import { CalendarError, loadCalendars, type Calendar, type CalendarFile } from '../engine/calendar/index.ts';

/**
 * Reads one calendar file into what the pure loader takes: the parsed data plus a way to turn a data
 * path back into a line and column, so the loader's errors point into the file.
 * @throws CalendarError `calendar.invalid-document` when the text is not valid YAML (with line:column).
 */
export function readCalendarFile(path: string, text: string): CalendarFile {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const [syntaxError] = document.errors;
  if (syntaxError) {
    const { line, col } = lineCounter.linePos(syntaxError.pos[0]);
    const where = `${path}:${line}:${col}`;
    throw new CalendarError('calendar.invalid-document', `${where}: YAML syntax error: ${syntaxError.message}`, {
      cause: syntaxError,
    });
  }
  return {
    path,
    document: document.toJS(),
    locate(dataPath) {
      // A missing field has no node of its own; point at the nearest enclosing one instead.
      for (let depth = dataPath.length; depth >= 0; depth--) {
        const node: unknown = depth === 0 ? document.contents : document.getIn(dataPath.slice(0, depth), true);
        if (isNode(node) && node.range) {
          const { line, col } = lineCounter.linePos(node.range[0]);
          return { line, column: col };
        }
      }
      return undefined;
    },
  };
}

/**
 * Loads every `*.yaml` / `*.yml` file in `dir` (not recursive) into calendars by id. Each year of a
 * calendar is its own file, so next year's notice is picked up by adding a file. Reads the file system.
 * @throws CalendarError when `dir` cannot be read (the `node:fs` error as `cause`), when a file is not
 *   valid YAML, or when the calendar data is invalid (see `loadCalendars`).
 */
export function loadCalendarsFromDir(dir: string): Map<string, Calendar> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => /\.ya?ml$/i.test(name));
  } catch (cause) {
    throw new CalendarError('calendar.invalid-set', `cannot read calendar directory ${dir}`, { cause });
  }
  names.sort();
  const files = names.map((name) => {
    const path = join(dir, name);
    return readCalendarFile(path, readFileSync(path, 'utf8'));
  });
  return loadCalendars(files);
}

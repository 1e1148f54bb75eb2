import { isMap, isSeq, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { Diagnostic } from '../errors.ts';

/** Limits that keep a hostile document from exhausting the loader. */
export const DOCUMENT_LIMITS = { maxBytes: 1_000_000, maxAliasCount: 100, maxDepth: 40 } as const;

export type PathSegment = string | number;

/** A parsed YAML source that can map a path in its value back to a line and column. */
export interface SourceDocument {
  file: string;
  text: string;
  value: unknown;
  /** Position of the deepest node along `path`; with `key`, the key of the last segment. */
  locate(path: readonly PathSegment[], key?: boolean): { line: number; col: number };
}

/**
 * Parses one YAML document, keeping positions. Pure. Never throws: syntax errors,
 * alias bombs, oversized or too deeply nested documents come back as diagnostics.
 */
export function parseSource(file: string, text: string): { doc?: SourceDocument; diagnostics: Diagnostic[] } {
  const at = (line: number, col: number, message: string): Diagnostic => ({ file, line, col, path: '', message });
  if (text.length > DOCUMENT_LIMITS.maxBytes) {
    return { diagnostics: [at(1, 1, `文档过大 document too large: ${text.length} bytes; at most ${DOCUMENT_LIMITS.maxBytes}`)] };
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  if (document.errors.length > 0) {
    return {
      diagnostics: document.errors.map((e) => {
        const pos = e.linePos?.[0] ?? { line: 1, col: 1 };
        return at(pos.line, pos.col, `YAML 语法错误 syntax error: ${firstLine(e.message)}`);
      }),
    };
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: DOCUMENT_LIMITS.maxAliasCount });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { diagnostics: [at(1, 1, `YAML 别名展开过多 alias expansion refused: ${firstLine(message)}`)] };
  }
  const depth = maxDepth(value, 0);
  if (depth > DOCUMENT_LIMITS.maxDepth) {
    return { diagnostics: [at(1, 1, `嵌套过深 nesting too deep: ${depth} levels; at most ${DOCUMENT_LIMITS.maxDepth}`)] };
  }
  return { doc: { file, text, value, locate: (path, key) => locate(document, lineCounter, path, key) }, diagnostics: [] };
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

function maxDepth(value: unknown, depth: number): number {
  if (depth > DOCUMENT_LIMITS.maxDepth) return depth;
  if (value === null || typeof value !== 'object') return depth;
  let deepest = depth + 1;
  for (const child of Object.values(value as Record<string, unknown>)) {
    deepest = Math.max(deepest, maxDepth(child, depth + 1));
  }
  return deepest;
}

function locate(document: Document, lineCounter: LineCounter, path: readonly PathSegment[], key?: boolean): { line: number; col: number } {
  let node: Node | null = document.contents as Node | null;
  let offset = node?.range?.[0] ?? 0;
  for (let i = 0; i < path.length && node; i++) {
    const segment = path[i];
    const isLast = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      const keyNode = pair.key as Node;
      if (isLast && key) {
        offset = keyNode.range?.[0] ?? offset;
        break;
      }
      node = (pair.value as Node | null) ?? null;
      offset = node?.range?.[0] ?? keyNode.range?.[0] ?? offset;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = (node.items[segment] as Node | undefined) ?? null;
      if (!node) break;
      offset = node.range?.[0] ?? offset;
    } else {
      break;
    }
  }
  const pos = lineCounter.linePos(offset);
  return { line: pos.line, col: pos.col };
}

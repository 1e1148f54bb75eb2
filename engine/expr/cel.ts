import { Environment } from '@marcbachmann/cel-js';

/** Names an expression may start from, and what each offers. */
export const EXPRESSION_ROOTS = ['data', 'payload', 'actor', 'params', 'instance', 'task', 'now'] as const;
export type ExpressionRoot = (typeof EXPRESSION_ROOTS)[number];

export interface CompiledExpression {
  source: string;
  evaluate(context: ExpressionContext): unknown;
  /** Field references such as `data.amount` found in the expression, with their offset. */
  references: Array<{ root: string; field?: string; offset: number }>;
}

export interface ExpressionContext {
  data: Record<string, unknown>;
  payload: Record<string, unknown>;
  actor: Record<string, unknown>;
  params: Record<string, unknown>;
  instance: Record<string, unknown>;
  task: Record<string, unknown>;
  now: Date;
}

/**
 * CEL is non-Turing-complete and has no access to the host; it is the guard and assignment
 * language. Mixed int/double arithmetic is allowed because JSON numbers arrive as doubles
 * while literals such as `2` are ints in CEL.
 */
const environment = createEnvironment();

function createEnvironment(): Environment {
  const env = new Environment({ limits: { maxAstNodes: 500, maxDepth: 32, maxListElements: 200, maxMapEntries: 200, maxCallArguments: 8 } });
  for (const root of EXPRESSION_ROOTS) {
    if (root !== 'now') env.registerVariable(root, 'map');
  }
  env.registerVariable('now', 'google.protobuf.Timestamp');
  const ops: Record<string, (a: number, b: number) => number> = {
    '+': (a, b) => a + b,
    '-': (a, b) => a - b,
    '*': (a, b) => a * b,
    '/': (a, b) => a / b,
  };
  for (const [op, apply] of Object.entries(ops)) {
    env.registerOperator(`double ${op} int`, (a: number, b: bigint) => apply(a, Number(b)));
    env.registerOperator(`int ${op} double`, (a: bigint, b: number) => apply(Number(a), b));
  }
  return env;
}

export class ExpressionSyntaxError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

/** Parses a CEL expression once; throws `ExpressionSyntaxError` with the offending offset. Pure. */
export function compileExpression(source: string): CompiledExpression {
  let parsed: ReturnType<Environment['parse']>;
  try {
    parsed = environment.parse(source);
  } catch (error) {
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
    const node = (error as { node?: { pos?: number } }).node;
    throw new ExpressionSyntaxError(message, node?.pos ?? 0);
  }
  const references: CompiledExpression['references'] = [];
  collectReferences(parsed.ast as unknown as AstNode, references);
  return {
    source,
    references,
    evaluate: (context) => fromCel(parsed(context as unknown as Record<string, unknown>)),
  };
}

interface AstNode {
  op: string;
  args: unknown;
  pos: number;
}

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && 'op' in value && 'args' in value;
}

const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

/** Walks the AST for `root.field` references; variables bound by macros such as `all(x, …)` are skipped. */
function collectReferences(node: AstNode, out: CompiledExpression['references'], bound: ReadonlySet<string> = new Set()): void {
  if (node.op === '.' && Array.isArray(node.args)) {
    const [inner, field] = node.args as [unknown, unknown];
    if (isNode(inner) && inner.op === 'id' && typeof field === 'string') {
      if (!bound.has(String(inner.args))) out.push({ root: String(inner.args), field, offset: inner.pos });
      return;
    }
  }
  if (node.op === 'id') {
    if (!bound.has(String(node.args))) out.push({ root: String(node.args), offset: node.pos });
    return;
  }
  let scope = bound;
  if (node.op === 'rcall' && Array.isArray(node.args) && MACROS.has(String(node.args[0]))) {
    const variable = (node.args[2] as unknown[] | undefined)?.[0];
    if (isNode(variable) && variable.op === 'id') scope = new Set([...bound, String(variable.args)]);
  }
  const visit = (value: unknown): void => {
    if (isNode(value)) collectReferences(value, out, scope);
    else if (Array.isArray(value)) value.forEach(visit);
  };
  visit(node.args);
}

/** CEL ints are BigInt; JSON wants numbers. */
function fromCel(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(fromCel);
  if (value instanceof Map) return Object.fromEntries([...value.entries()].map(([k, v]) => [String(k), fromCel(v)]));
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromCel(v)]));
  }
  return value;
}

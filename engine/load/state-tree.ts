import type { StateSpec, TransitionSpec } from '../dsl/types.ts';
import type { PathSegment } from './source-document.ts';

export interface StateNode {
  name: string;
  spec: StateSpec;
  /** Path of the state inside the definition, e.g. `['states', 'review', 'states', 'inspection']`. */
  path: PathSegment[];
  parent?: string;
  children: string[];
  kind: 'atomic' | 'compound' | 'parallel' | 'final';
}

/** One transition with where it was written, for checks and compilation. */
export interface TransitionSite {
  from: string;
  /** Event name, or `always` / `on-done` for eventless transitions. */
  event: string;
  eventless: boolean;
  index: number;
  spec: TransitionSpec;
  path: PathSegment[];
}

/** Flattens the state tree; state names are unique in a definition, so a map by name suffices. Pure. */
export function flattenStates(states: Record<string, StateSpec>, onDuplicate: (node: StateNode, first: StateNode) => void): Map<string, StateNode> {
  const nodes = new Map<string, StateNode>();
  const walk = (children: Record<string, StateSpec>, path: PathSegment[], parent?: string): string[] => {
    const names: string[] = [];
    for (const [name, spec] of Object.entries(children)) {
      const here = [...path, name];
      const kind = spec.type ?? (spec.states ? 'compound' : 'atomic');
      const node: StateNode = { name, spec, path: here, parent, children: [], kind };
      const first = nodes.get(name);
      if (first) {
        onDuplicate(node, first);
        continue;
      }
      nodes.set(name, node);
      names.push(name);
      if (spec.states) node.children = walk(spec.states, [...here, 'states'], name);
    }
    return names;
  };
  walk(states, ['states']);
  return nodes;
}

export function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Every transition written in the definition, in document order. Pure. */
export function transitionSites(nodes: Map<string, StateNode>): TransitionSite[] {
  const sites: TransitionSite[] = [];
  for (const node of nodes.values()) {
    for (const [event, value] of Object.entries(node.spec.on ?? {})) {
      const list = asList(value);
      list.forEach((spec, index) => {
        const path = Array.isArray(value) ? [...node.path, 'on', event, index] : [...node.path, 'on', event];
        sites.push({ from: node.name, event, eventless: false, index, spec, path });
      });
    }
    for (const key of ['always', 'on-done'] as const) {
      const value = node.spec[key];
      asList(value).forEach((spec, index) => {
        const path = Array.isArray(value) ? [...node.path, key, index] : [...node.path, key];
        sites.push({ from: node.name, event: key, eventless: true, index, spec, path });
      });
    }
  }
  return sites;
}

/** The names of the state and all its ancestors. */
export function ancestry(nodes: Map<string, StateNode>, name: string): string[] {
  const out: string[] = [];
  let current: string | undefined = name;
  while (current) {
    out.push(current);
    current = nodes.get(current)?.parent;
  }
  return out;
}

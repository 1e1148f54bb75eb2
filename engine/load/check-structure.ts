import type { Diagnostic } from '../errors.ts';
import type { DefinitionDoc } from '../dsl/types.ts';
import type { PathSegment } from './source-document.ts';
import { ancestry, asList, type StateNode, type TransitionSite } from './state-tree.ts';

export type Report = (path: PathSegment[], message: string, key?: boolean) => void;

/** Lists at most 20 names for a message. */
export function known(names: Iterable<string>): string {
  const list = [...names];
  return list.length > 20 ? `${list.slice(0, 20).join(', ')}, …` : list.join(', ');
}

/** Initial states, finals, targets, reachability and the way to a final state. Pure. */
export function checkStructure(def: DefinitionDoc, nodes: Map<string, StateNode>, sites: TransitionSite[], outer: Report): void {
  let broken = false;
  const report: Report = (path, message, key) => {
    broken = true;
    outer(path, message, key);
  };
  const states = def.states ?? {};
  if (Object.keys(states).length === 0) {
    report([], '流程没有状态 a process needs states', false);
    return;
  }
  const topNames = Object.keys(states);
  if (!def.initial) report(['states'], `缺少初始状态 missing 'initial'; top-level states: ${known(topNames)}`, true);
  else if (!topNames.includes(def.initial)) report(['initial'], `未知初始状态 unknown initial state '${def.initial}'; top-level states: ${known(topNames)}`);

  for (const node of nodes.values()) {
    const spec = node.spec;
    if (node.kind === 'compound') {
      if (!spec.initial) report(node.path, `复合状态缺少 initial: compound state '${node.name}' needs 'initial'; its states: ${known(node.children)}`, true);
      else if (!node.children.includes(spec.initial)) report([...node.path, 'initial'], `未知初始状态 unknown initial state '${spec.initial}'; states of '${node.name}': ${known(node.children)}`);
    }
    if ((node.kind === 'compound' || node.kind === 'parallel') && node.children.length === 0) {
      report(node.path, `'${node.name}' is ${node.kind} but has no states`, true);
    }
    if (node.kind === 'final') {
      for (const key of ['on', 'always', 'task', 'states', 'limit'] as const) {
        if (spec[key] !== undefined) report([...node.path, key], `终止状态不能有 '${key}': a final state cannot have '${key}'`, true);
      }
      if (!node.parent && !spec.outcome) report(node.path, `终止状态需要结果 final state '${node.name}' needs an 'outcome' (e.g. approved, refused, withdrawn)`, true);
    } else if (spec.outcome) {
      report([...node.path, 'outcome'], `只有终止状态有结果 only final states have an outcome; add 'type: final' or remove 'outcome'`, true);
    }
    for (const [key, names] of [['return-to', spec['return-to'] ?? []], ['withdraw-to', asList(spec['withdraw-to'])]] as const) {
      names.forEach((name, i) => {
        if (!nodes.has(name)) report(key === 'return-to' ? [...node.path, key, i] : [...node.path, key], `未知状态 unknown state '${name}'; known states: ${known(nodes.keys())}`);
      });
    }
  }
  for (const site of sites) {
    const target = site.spec.target;
    if (target !== undefined && !nodes.has(target)) {
      report([...site.path, 'target'], `未知目标状态 unknown target '${target}'; known states: ${known(nodes.keys())}`);
    }
    if (site.event === 'on-done' && target === undefined) report(site.path, `'on-done' needs a target`);
  }
  // Reachability would only repeat a broken reference in other words.
  if (broken || !def.initial) return;
  const reachable = reachableStates(def.initial, nodes, sites);
  for (const node of nodes.values()) {
    if (!reachable.has(node.name)) outer(node.path, `状态不可达 state '${node.name}' is unreachable: no transition leads to it`, true);
  }
  const finishing = finishingStates(nodes, sites);
  for (const node of nodes.values()) {
    const leaf = node.kind === 'atomic' || node.kind === 'final';
    if (leaf && reachable.has(node.name) && !finishing.has(node.name)) {
      outer(node.path, `无法结束 no way from state '${node.name}' to a final state`, true);
    }
  }
}

function entryTargets(nodes: Map<string, StateNode>, name: string): string[] {
  const node = nodes.get(name);
  if (!node) return [];
  if (node.kind === 'parallel') return node.children;
  if (node.kind === 'compound' && node.spec.initial) return [node.spec.initial];
  return [];
}

function edgesFrom(node: StateNode, sites: TransitionSite[]): string[] {
  const targets = sites.filter((s) => s.from === node.name && s.spec.target && s.event !== 'on-done').map((s) => s.spec.target!);
  return [...targets, ...(node.spec['return-to'] ?? []), ...asList(node.spec['withdraw-to'])];
}

function reachableStates(initial: string, nodes: Map<string, StateNode>, sites: TransitionSite[]): Set<string> {
  const seen = new Set<string>();
  const queue = [initial];
  while (queue.length > 0) {
    const name = queue.pop()!;
    for (const n of ancestry(nodes, name)) {
      if (seen.has(n)) continue;
      seen.add(n);
      const node = nodes.get(n);
      if (!node) continue;
      queue.push(...entryTargets(nodes, n), ...edgesFrom(node, sites));
      const done = sites.filter((s) => s.from === n && s.event === 'on-done' && s.spec.target).map((s) => s.spec.target!);
      queue.push(...done);
    }
  }
  return seen;
}

/** States from which some top-level final state can be reached (fixpoint). */
function finishingStates(nodes: Map<string, StateNode>, sites: TransitionSite[]): Set<string> {
  const finishing = new Set<string>();
  const entersFinishing = (name: string): boolean => {
    const node = nodes.get(name);
    if (!node) return false;
    if (node.kind === 'parallel') return node.children.every(entersFinishing);
    if (node.kind === 'compound') return node.spec.initial !== undefined && entersFinishing(node.spec.initial);
    return finishing.has(name);
  };
  const completionFinishes = (node: StateNode): boolean => {
    let parent = node.parent ? nodes.get(node.parent) : undefined;
    while (parent) {
      const done = sites.filter((s) => s.from === parent!.name && s.event === 'on-done' && s.spec.target);
      if (done.some((s) => entersFinishing(s.spec.target!))) return true;
      const grand: StateNode | undefined = parent.parent ? nodes.get(parent.parent) : undefined;
      if (!grand || grand.kind !== 'parallel') return false;
      parent = grand;
    }
    return false;
  };
  let changed = true;
  while (changed) {
    changed = false;
    for (const node of nodes.values()) {
      if (finishing.has(node.name) || (node.kind !== 'atomic' && node.kind !== 'final')) continue;
      let ok = false;
      if (node.kind === 'final') ok = !node.parent || completionFinishes(node);
      if (!ok) {
        ok = ancestry(nodes, node.name).some((n) => edgesFrom(nodes.get(n)!, sites).some(entersFinishing));
      }
      if (ok) {
        finishing.add(node.name);
        changed = true;
      }
    }
  }
  return finishing;
}

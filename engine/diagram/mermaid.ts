import type { CompiledDefinition } from '../compile/compile-definition.ts';
import type { StateNode } from '../load/state-tree.ts';

function label(node: StateNode): string {
  return (node.spec.title?.zh ?? node.name).replace(/[:"]/g, ' ');
}

/** Renders a definition as a Mermaid `stateDiagram-v2`, nested and parallel states included. Pure. */
export function toMermaid(defn: CompiledDefinition): string {
  const lines = ['stateDiagram-v2'];
  const id = (name: string) => name.replace(/-/g, '_');
  const eventTitle = (event: string) => defn.events[event]?.title?.zh ?? event;
  const emit = (names: string[], indent: string, initial: string | undefined) => {
    if (initial) lines.push(`${indent}[*] --> ${id(initial)}`);
    for (const name of names) {
      const node = defn.states.get(name)!;
      lines.push(`${indent}${id(name)} : ${label(node)}`);
      if (node.children.length) {
        lines.push(`${indent}state ${id(name)} {`);
        if (node.kind === 'parallel') {
          node.children.forEach((child, i) => {
            if (i > 0) lines.push(`${indent}  --`);
            emit([child], `${indent}  `, child);
          });
        } else {
          emit(node.children, `${indent}  `, node.spec.initial);
        }
        lines.push(`${indent}}`);
      }
      if (node.kind === 'final') lines.push(`${indent}${id(name)} --> [*]`);
    }
  };
  const top = [...defn.states.values()].filter((n) => !n.parent).map((n) => n.name);
  emit(top, '  ', defn.resolved.initial);
  for (const t of defn.transitions) {
    if (!t.target) continue;
    const text = t.event === 'always' ? '' : t.event === 'on-done' ? ' : 完成' : ` : ${eventTitle(t.event)}`;
    lines.push(`  ${id(t.from)} --> ${id(t.target)}${text}`);
  }
  for (const node of defn.states.values()) {
    for (const target of node.spec['return-to'] ?? []) lines.push(`  ${id(node.name)} --> ${id(target)} : 退回`);
  }
  return `${lines.join('\n')}\n`;
}

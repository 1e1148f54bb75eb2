import { describeDuration } from '../calendar/index.ts';
import type { CompiledDefinition } from '../compile/compile-definition.ts';
import type { Basis, Material, Text } from '../dsl/types.ts';

/** What the public may see of one item (政务公开): basis, limits, materials, fees. */
export interface Disclosure {
  id: string;
  version: number;
  title: Text;
  department: string;
  category?: string;
  template?: string;
  basis: Basis[];
  /** Clock limits by name, e.g. `statutory: 20 个工作日 (20 working days)`. */
  limits: Array<{ clock: string; title: Text; limit: string; extension?: string }>;
  materials: Material[];
  fees?: Text;
}

/** The public disclosure of a compiled definition; step limits are internal and left out. Pure. */
export function disclose(defn: CompiledDefinition): Disclosure {
  return {
    id: defn.id,
    version: defn.version,
    title: defn.title,
    department: defn.department,
    ...(defn.category ? { category: defn.category } : {}),
    ...(defn.template ? { template: defn.template.id } : {}),
    basis: defn.basis,
    limits: defn.clocks
      .filter((c) => !c.restartOnEntry)
      .map((c) => ({
        clock: c.name,
        title: c.title,
        limit: describeDuration(c.limit),
        ...(c.extendOn[0] ? { extension: describeDuration(c.extendOn[0].by) } : {}),
      })),
    materials: defn.materials,
    ...(defn.fees ? { fees: defn.fees } : {}),
  };
}

/** Items grouped by department, departments and items sorted by id. Pure. */
export function catalogByDepartment(definitions: CompiledDefinition[]): Array<{ department: string; items: Disclosure[] }> {
  const groups = new Map<string, Disclosure[]>();
  for (const d of definitions) groups.set(d.department, [...(groups.get(d.department) ?? []), disclose(d)]);
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([department, items]) => ({ department, items: items.sort((a, b) => a.id.localeCompare(b.id)) }));
}

import type { SeededRandom } from './seeded-random.ts';

type Schema = Record<string, unknown>;

/** Picks one of an enum's values for the property at `path`. */
export type EnumChooser = (path: string, values: readonly unknown[]) => unknown;

/** A value for a property by its name, or undefined to synthesize one from the schema. */
export type FieldHint = (name: string) => unknown;

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '罗', '龙', '杨', '吴', '田'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '涛', '明', '超', '秀英', '建国', '黔生', '贵华'];
const STREETS = ['中华北路', '延安西路', '北京路', '遵义路', '花溪大道', '观山湖区林城路', '红花岗区丁字口', '西秀区黄果树大街'];

/** Text for a property by what its name says it holds; personal data is obviously fake (demo only). */
function textFor(name: string, rng: SeededRandom): string {
  const key = name.toLowerCase();
  if (key === 'name') return `${rng.pick(SURNAMES)}${rng.pick(GIVEN)}`;
  if (key.includes('idnumber')) {
    const birth = `19${rng.int(60, 99)}${String(rng.int(1, 12)).padStart(2, '0')}${String(rng.int(1, 28)).padStart(2, '0')}`;
    return `520102${birth}${String(rng.int(0, 999)).padStart(3, '0')}${rng.pick(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'X'])}`;
  }
  if (key.includes('phone')) return `1${rng.pick(['39', '58', '86', '77'])}${String(rng.int(0, 99_999_999)).padStart(8, '0')}`;
  if (key.includes('address')) return `贵州省贵阳市${rng.pick(STREETS)}${rng.int(1, 300)}号`;
  if (key.includes('receipt')) return `SL${String(rng.int(1, 99_999_999)).padStart(8, '0')}`;
  if (key.includes('certificate')) return `XK${String(rng.int(1, 99_999_999)).padStart(8, '0')}`;
  if (key.includes('reason')) return '演示数据：依法说明的理由 demo reason';
  if (key.includes('finding')) return '现场核查符合要求 on-site findings conform';
  if (key.includes('result')) return '程序已完成 procedure finished';
  return `演示 demo ${name}`;
}

/**
 * A value that satisfies a JSON Schema of the kinds definitions use for data and payloads:
 * objects (required properties only, plus `name`-like ones people fill in), strings (with enum,
 * format `date`, minLength), arrays (minItems), numbers and booleans. Enums are decided by
 * `choose`, so a caller can steer a recommendation or try the values one by one; `hint` may
 * supply any named property outright (amounts that must fit each other, ids read from the case).
 */
export function synthesize(schema: unknown, rng: SeededRandom, choose: EnumChooser, hint: FieldHint = () => undefined, path = '', name = ''): unknown {
  const s = (schema ?? {}) as Schema;
  const hinted = name ? hint(name) : undefined;
  if (hinted !== undefined) return hinted;
  if (Array.isArray(s['enum'])) return choose(path, s['enum'] as unknown[]);
  if ('const' in s) return s['const'];
  const anyOf = (s['oneOf'] ?? s['anyOf']) as unknown[] | undefined;
  if (Array.isArray(anyOf) && anyOf.length > 0) return synthesize(anyOf[0], rng, choose, hint, path, name);
  const type = Array.isArray(s['type']) ? (s['type'] as string[])[0] : (s['type'] as string | undefined);
  switch (type ?? (s['properties'] ? 'object' : 'string')) {
    case 'object': {
      const properties = (s['properties'] ?? {}) as Record<string, unknown>;
      const required = new Set((s['required'] ?? []) as string[]);
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(properties)) {
        const personal = ['idNumber', 'phone', 'address'].includes(key) && path.endsWith('applicant');
        if (required.has(key) || personal) out[key] = synthesize(child, rng, choose, hint, path ? `${path}.${key}` : key, key);
      }
      return out;
    }
    case 'array': {
      const count = Math.max(1, Number(s['minItems'] ?? 1));
      return Array.from({ length: count }, (_, i) => synthesize(s['items'], rng, choose, hint, `${path}[${i}]`, ''));
    }
    case 'integer':
    case 'number':
      return Number(s['minimum'] ?? s['exclusiveMinimum'] ?? 0) + 1;
    case 'boolean':
      return false;
    default: {
      if (s['format'] === 'date') return '2027-06-30';
      const text = textFor(name || 'text', rng);
      const min = Number(s['minLength'] ?? 0);
      return text.length >= min ? text : text.padEnd(min, '。');
    }
  }
}

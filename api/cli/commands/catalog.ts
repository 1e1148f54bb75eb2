import type { Command } from 'commander';
import { catalogByDepartment, formatDiagnostic } from '../../../engine/index.ts';
import { loadSet } from './load-set.ts';

/** `govflow catalog [paths…]`: the public index of items by department, with limits and basis. */
export function registerCatalogCommand(program: Command): void {
  program
    .command('catalog')
    .description('事项目录：按部门列出时限与设定依据 list items by department with limits and legal basis')
    .argument('[paths...]', 'files or directories', ['processes/catalog'])
    .option('--json', 'print JSON')
    .action((paths: string[], options: { json?: boolean }) => {
      const set = loadSet(paths);
      for (const d of set.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
      const catalog = catalogByDepartment(set.definitions.filter((d) => set.files.some((f) => f.endsWith(d.file))));
      if (options.json) {
        process.stdout.write(`${JSON.stringify(catalog, null, 2)}\n`);
      } else {
        for (const group of catalog) {
          process.stdout.write(`\n【${group.department}】 ${group.items.length} 项 items\n`);
          for (const item of group.items) {
            const limits = item.limits.map((l) => `${l.title.zh} ${l.limit}${l.extension ? ` (可延长 +${l.extension})` : ''}`).join('；');
            const basis = item.basis.map((b) => `《${b.law.replace(/^《|》$/g, '')}》第${b.article}条`).join('、');
            process.stdout.write(`  ${item.title.zh} (${item.id})\n    时限 limits: ${limits || '—'}\n    依据 basis: ${basis || '—'}\n    材料 materials: ${item.materials.map((m) => m.name).join('、') || '—'}\n`);
          }
        }
        const total = catalog.reduce((n, g) => n + g.items.length, 0);
        process.stdout.write(`\n共 ${catalog.length} 个部门 departments，${total} 个事项 items\n`);
      }
      if (set.diagnostics.length) process.exitCode = 1;
    });
}

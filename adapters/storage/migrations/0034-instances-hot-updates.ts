import type { Migration } from './migration.ts';

/**
 * Every command rewrites its instance row. PostgreSQL can do that as a heap-only (HOT) update,
 * leaving the row's five indexes alone, when no indexed column changes and the new version fits
 * on the same page. `status` was indexed, so the command that ends a case touched every index,
 * and pages packed full left no room for new versions. The search indexes now lead with the scope
 * and order by creation time, as the case search reads them (a status filter is checked on the
 * rows it walks, most recent first), and instance pages are filled to 70 % on insert so the next
 * versions of their rows fit beside them. Rows already stored keep their pages until rewritten.
 */
export const migration0034: Migration = {
  version: 34,
  name: 'instances-hot-updates',
  statements: [
    `drop index instances_region_status`,
    `drop index instances_department_status`,
    `create index instances_by_region on instances (region, created_at)`,
    `create index instances_by_department on instances (department, created_at)`,
    `alter table instances set (fillfactor = 70)`,
  ],
};

import { sql, type RawBuilder } from 'kysely';
import { regionCondition } from './region-scope.ts';

/**
 * Which cases a caller may see.
 * - `department`: staff of a handling department — its own cases, and cases where it holds a
 *   task (joint approval), within its region;
 * - `region`: supervisors and auditors — every case in the region;
 * - `instance`: an applicant or bidder — the one case of their receipt.
 */
export type CaseScope =
  | { kind: 'department'; department: string; region: string }
  | { kind: 'region'; region: string }
  | { kind: 'instance'; instanceId: string };

/** SQL condition on an instances row aliased `alias` (a trusted identifier). */
export function caseCondition(scope: CaseScope, alias = 'i'): RawBuilder<boolean> {
  const col = (name: string) => `${alias}.${name}`;
  switch (scope.kind) {
    case 'instance':
      return sql<boolean>`${sql.ref(col('id'))} = ${scope.instanceId}`;
    case 'region':
      return regionCondition(col('region'), scope.region);
    case 'department':
      return sql<boolean>`(${regionCondition(col('region'), scope.region)} and (${sql.ref(col('department'))} = ${scope.department}
        or exists (select 1 from tasks as st where st.instance_id = ${sql.ref(col('id'))}
                   and (st.department = ${scope.department} or st.assignees @> cast(${JSON.stringify([scope.department])} as jsonb)))))`;
  }
}

/** Same condition for rows that carry `department` and `region` but are not instances (alerts, tasks). */
export function rowCondition(scope: CaseScope, alias: string): RawBuilder<boolean> {
  switch (scope.kind) {
    case 'instance':
      return sql<boolean>`${sql.ref(`${alias}.instance_id`)} = ${scope.instanceId}`;
    case 'region':
      return regionCondition(`${alias}.region`, scope.region);
    case 'department':
      return sql<boolean>`(${regionCondition(`${alias}.region`, scope.region)} and ${sql.ref(`${alias}.department`)} = ${scope.department})`;
  }
}

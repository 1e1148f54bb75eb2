import type { TokenRole } from '../../../adapters/auth/api-tokens.ts';
import type { CaseScope } from '../../../adapters/queries/case-scope.ts';
import { ApiError } from '../api-error.ts';
import type { StaffPrincipal } from './principal.ts';

/**
 * What each role may do over HTTP. Separation of duties: designers shape processes but never
 * touch a case; auditors and supervisors read (supervisors may urge and acknowledge alerts);
 * admins manage tokens and decide nothing. The window's chief representative (首席代表) works
 * the department's cases like the window and answers for them: it may acknowledge alerts, but
 * reads no statistics. Whether a role may take a particular step of a case — a chief
 * representative's decision included — is then the definition's own rule, enforced by the engine.
 */
export const CAPABILITIES = {
  'definition.read': ['designer', 'window', 'chief-representative', 'officer', 'head', 'supervisor', 'auditor', 'admin'],
  'definition.write': ['designer'],
  'case.read': ['window', 'chief-representative', 'officer', 'head', 'supervisor', 'auditor'],
  'case.start': ['window', 'chief-representative', 'officer', 'head'],
  'case.act': ['window', 'chief-representative', 'officer', 'head'],
  'task.urge': ['window', 'chief-representative', 'officer', 'head', 'supervisor'],
  worklist: ['window', 'chief-representative', 'officer', 'head'],
  'alert.read': ['window', 'chief-representative', 'officer', 'head', 'supervisor', 'auditor'],
  'alert.acknowledge': ['chief-representative', 'head', 'supervisor'],
  'stats.read': ['head', 'supervisor', 'auditor'],
  'token.manage': ['admin'],
  'security.read': ['auditor'],
  'self.read': ['designer', 'window', 'chief-representative', 'officer', 'head', 'supervisor', 'auditor', 'admin'],
} as const satisfies Record<string, readonly TokenRole[]>;

export type Capability = keyof typeof CAPABILITIES;

/** Roles that see the whole region rather than one department's cases. */
const REGION_ROLES: ReadonlySet<TokenRole> = new Set(['supervisor', 'auditor', 'admin']);

function can(principal: StaffPrincipal, capability: Capability): boolean {
  return (CAPABILITIES[capability] as readonly TokenRole[]).includes(principal.role);
}

/** @throws ApiError `ROLE_FORBIDDEN` unless the principal's role has the capability. */
export function requireCapability(principal: StaffPrincipal, capability: Capability): void {
  if (!can(principal, capability)) {
    throw new ApiError('ROLE_FORBIDDEN', `角色 ${principal.role} 无权执行此操作 role '${principal.role}' may not do this (${capability})`, [
      { message: `allowed roles: ${CAPABILITIES[capability].join(', ')}` },
    ]);
  }
}

/** The cases a member of staff can see: their department's in their region, or the whole region. */
export function caseScopeOf(principal: StaffPrincipal): CaseScope {
  return REGION_ROLES.has(principal.role)
    ? { kind: 'region', region: principal.region }
    : { kind: 'department', department: principal.department, region: principal.region };
}

/** Definitions a member of staff can read: their department's, or all for region-wide roles. */
export function definitionDepartmentOf(principal: StaffPrincipal): string | undefined {
  return REGION_ROLES.has(principal.role) ? undefined : principal.department;
}

import type { TokenRole } from '../../../adapters/auth/api-tokens.ts';
import type { Party } from '../../../adapters/auth/receipt-codes.ts';
import type { Actor } from '../../../engine/index.ts';

/** A member of staff, by bearer token: one role, one department, one region. */
export interface StaffPrincipal {
  kind: 'staff';
  tokenId: string;
  name: string;
  role: TokenRole;
  department: string;
  region: string;
}

/** An applicant or bidder, by receipt number and verification code: one case only. */
export interface PartyPrincipal {
  kind: 'party';
  party: Party;
  receiptNo: string;
  instanceId: string;
  region: string;
}

export type Principal = StaffPrincipal | PartyPrincipal;

/** The actor the engine and the audit trail see for a principal. Pure. */
export function actorOf(principal: Principal): Actor {
  if (principal.kind === 'staff') return { id: principal.name, role: principal.role, department: principal.department, region: principal.region };
  return { id: `${principal.party}:${principal.instanceId}`, role: principal.party, region: principal.region };
}

/** What the security audit and the logs record about a principal (never a secret). */
export function describePrincipal(principal: Principal | undefined): Record<string, unknown> | undefined {
  if (!principal) return undefined;
  if (principal.kind === 'staff') {
    return { kind: 'staff', tokenId: principal.tokenId, id: principal.name, role: principal.role, department: principal.department, region: principal.region };
  }
  return { kind: 'party', role: principal.party, receiptNo: principal.receiptNo, region: principal.region };
}

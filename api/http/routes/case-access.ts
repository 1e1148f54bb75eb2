import type { Transaction } from 'kysely';
import { issueReceiptCode, type Party } from '../../../adapters/auth/receipt-codes.ts';
import { findInstance, type InstanceRecord } from '../../../adapters/queries/find-instance.ts';
import type { CaseScope } from '../../../adapters/queries/case-scope.ts';
import type { CommandResult } from '../../../adapters/runtime/commands.ts';
import type { Database } from '../../../adapters/storage/database.ts';
import type { Actor, CompiledDefinition } from '../../../engine/index.ts';
import type { ApiDeps } from '../api-deps.ts';
import { ApiError, notFound } from '../api-error.ts';
import { caseScopeOf } from '../auth/policy.ts';
import type { Principal } from '../auth/principal.ts';

const caseNotFound = { zh: '办件', en: 'case' };

/** The scope a principal sees cases in. */
export function scopeOf(principal: Principal): CaseScope {
  return principal.kind === 'party' ? { kind: 'instance', instanceId: principal.instanceId } : caseScopeOf(principal);
}

/**
 * The case `id` as the principal may see it. A case outside the scope answers exactly like a
 * missing one (404); only the security audit learns that it existed.
 */
export async function loadCase(deps: ApiDeps, principal: Principal, id: string): Promise<InstanceRecord> {
  const row = await findInstance(deps.db, id, scopeOf(principal));
  if (row) return row;
  const exists = await deps.db.selectFrom('instances').select('department').where('id', '=', id.toLowerCase()).executeTakeFirst();
  throw notFound(caseNotFound, exists ? { reason: `case of department ${exists.department} is outside the caller's scope`, resource: id } : undefined);
}

const ownedFields = new WeakMap<CompiledDefinition, Set<string>>();

/** Data fields the process assigns itself (receipt number, decision, timestamps …): never set by a client. */
export function serverOwnedFields(def: CompiledDefinition): Set<string> {
  let fields = ownedFields.get(def);
  if (!fields) {
    fields = new Set(def.transitions.flatMap((t) => t.assign.map((a) => a.path[0] ?? '')).filter(Boolean));
    ownedFields.set(def, fields);
  }
  return fields;
}

/** @throws ApiError `SERVER_OWNED_FIELD` when start data sets a field the process assigns. */
export function refuseServerOwnedData(def: CompiledDefinition, data: Record<string, unknown>): void {
  const owned = serverOwnedFields(def);
  const offending = Object.keys(data).filter((k) => owned.has(k));
  if (offending.length > 0) {
    throw new ApiError(
      'SERVER_OWNED_FIELD',
      `这些字段由流程写入，不能由申请提交 these fields are set by the process, not by the submitter: ${offending.join(', ')}`,
      offending.map((f) => ({ path: `/data/${f}`, message: 'server-owned field' })),
    );
  }
}

/** Applicant or bidder: who outside the department takes part in cases of this definition. */
export function partyOfDefinition(def: CompiledDefinition): Party | undefined {
  const roles = new Set(Object.values(def.events).flatMap((e) => e.roles ?? []).concat(def.transitions.flatMap((t) => t.roles)));
  if (roles.has('applicant')) return 'applicant';
  if (roles.has('bidder')) return 'bidder';
  return undefined;
}

/** Idempotency keys are per caller, so one caller's key never answers with another's result. */
export function scopedKey(principal: Principal | undefined, key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  if (!principal) return `public:${key}`;
  return principal.kind === 'staff' ? `staff:${principal.tokenId}:${key}` : `party:${principal.instanceId}:${key}`;
}

export interface StartedCase {
  result: CommandResult;
  verificationCode: string;
}

/**
 * Starts a case and issues its verification code in one transaction: either both are written
 * or neither. A repeated idempotency key answers with the first case and a fresh code (the
 * old one stops working), so a client that lost the answer can still give the applicant one.
 */
export async function startCase(
  deps: ApiDeps,
  def: CompiledDefinition,
  input: { data: Record<string, unknown>; actor: Actor; region: string; instanceId: string; party: Party; idempotencyKey?: string; businessKey?: string },
): Promise<StartedCase> {
  const started = await deps.db.transaction().execute(async (trx: Transaction<Database>) => {
    const result = await deps.runtime.start(def, input.data, input.actor, {
      trx,
      region: input.region,
      instanceId: input.instanceId,
      ...(input.idempotencyKey !== undefined ? { idempotencyKey: input.idempotencyKey } : {}),
      ...(input.businessKey !== undefined ? { businessKey: input.businessKey } : {}),
    });
    const verificationCode = await issueReceiptCode(trx, { receiptNo: result.receiptNo, instanceId: result.instanceId, party: input.party, region: input.region }, deps.clock.now());
    return { result, verificationCode };
  });
  deps.afterCommit?.();
  return started;
}

/** The answer to a command: where the case is now. */
export function commandView(result: CommandResult) {
  return {
    instanceId: result.instanceId,
    receiptNo: result.receiptNo,
    version: result.version,
    status: result.status,
    outcome: result.outcome,
    state: result.state,
    duplicate: result.duplicate,
  };
}

import type { Context } from 'hono';
import { findToken } from '../../../adapters/auth/api-tokens.ts';
import { CODE_PATTERN, checkReceiptCode, type Party } from '../../../adapters/auth/receipt-codes.ts';
import { ApiError, notFound } from '../api-error.ts';
import type { ApiDeps } from '../api-deps.ts';
import type { PartyPrincipal, StaffPrincipal } from './principal.ts';

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * The member of staff behind `Authorization: Bearer <token>`.
 * @throws ApiError `UNAUTHENTICATED` when the header is missing, malformed, or names no live token.
 */
export async function authenticateStaff(c: Context, deps: ApiDeps): Promise<StaffPrincipal> {
  const header = c.req.header('authorization');
  if (header === undefined) {
    throw new ApiError('UNAUTHENTICATED', '需要登录：请提供令牌 authentication required: send Authorization: Bearer <token>', [], {
      denial: { reason: 'no credentials' },
    });
  }
  const token = BEARER.exec(header)?.[1];
  const record = token === undefined ? undefined : await findToken(deps.db, token, deps.clock.now());
  if (!record) {
    throw new ApiError('UNAUTHENTICATED', '令牌无效、已过期或已撤销 token is invalid, expired or revoked', [], {
      denial: { reason: token === undefined ? 'malformed Authorization header' : 'unknown, expired or revoked token' },
    });
  }
  return { kind: 'staff', tokenId: record.id, name: record.name, role: record.role, department: record.department, region: record.region };
}

/** Header carrying an applicant's or bidder's verification code. */
export const CODE_HEADER = 'x-verification-code';

/**
 * The applicant or bidder holding `receiptNo` and the code in `X-Verification-Code`.
 * Unknown receipt, wrong code, a locked receipt and a receipt of the other party all answer
 * the same 404, so nobody can probe which receipt numbers exist.
 */
export async function authenticateParty(c: Context, deps: ApiDeps, receiptNo: string, party: Party): Promise<PartyPrincipal> {
  const code = c.req.header(CODE_HEADER)?.trim().toUpperCase();
  const what = { zh: '办件（受理编号或查询码不正确，或因多次输错已暂时锁定）', en: 'case (wrong receipt number or verification code, or locked after repeated failures)' };
  if (code === undefined || !CODE_PATTERN.test(code)) throw notFound(what, { reason: 'missing or malformed verification code', resource: receiptNo });
  const result = await checkReceiptCode(deps.db, receiptNo, code, deps.clock.now());
  if (!result.ok) throw notFound(what, { reason: `receipt check failed: ${result.reason}`, resource: receiptNo });
  if (result.party !== party) throw notFound(what, { reason: `receipt belongs to a ${result.party}, not a ${party}`, resource: receiptNo });
  return { kind: 'party', party, receiptNo, instanceId: result.instanceId, region: result.region };
}

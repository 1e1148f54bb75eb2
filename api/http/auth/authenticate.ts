import type { Context } from 'hono';
import { findToken } from '../../../adapters/auth/api-tokens.ts';
import { DEFAULT_CODE_ATTEMPT_POLICY, admitAttempt, recordFailedAttempt, recordRightCode } from '../../../adapters/auth/code-attempts.ts';
import { CODE_PATTERN, checkReceiptCode, type Party } from '../../../adapters/auth/receipt-codes.ts';
import { ApiError, notFound } from '../api-error.ts';
import type { ApiDeps } from '../api-deps.ts';
import type { PartyPrincipal, StaffPrincipal } from './principal.ts';
import { addressBlock, clientAddress, refuseTooMany } from './throttle.ts';

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * The member of staff behind `Authorization: Bearer <token>`.
 * @throws ApiError `UNAUTHENTICATED` when the header is missing, malformed, or names no live token;
 *   `RATE_LIMITED` when the token is over its request rate.
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
  deps.throttle?.checkStaff(c, record.id);
  return { kind: 'staff', tokenId: record.id, name: record.name, role: record.role, department: record.department, region: record.region };
}

/** Header carrying an applicant's or bidder's verification code. */
export const CODE_HEADER = 'x-verification-code';

/**
 * The applicant or bidder holding `receiptNo` and the code in `X-Verification-Code`.
 * Unknown receipt, wrong code and a receipt of the other party all answer the same 404, so nobody
 * can probe which receipt numbers exist. Attempts are counted before the code is checked, per
 * receipt number and client address (existing receipt or not): a client that gives too many wrong
 * codes is refused with 429 and `Retry-After` until its block ends, while the holder of the code
 * elsewhere is not. After too many wrong codes from everywhere together the receipt number is
 * guarded: each client gets one attempt per window, so a right code still goes through.
 */
export async function authenticateParty(c: Context, deps: ApiDeps, receiptNo: string, party: Party): Promise<PartyPrincipal> {
  const code = c.req.header(CODE_HEADER)?.trim().toUpperCase();
  const what = { zh: '办件（受理编号或查询码不正确）', en: 'case (wrong receipt number or verification code)' };
  if (code === undefined || !CODE_PATTERN.test(code)) throw notFound(what, { reason: 'missing or malformed verification code', resource: receiptNo });
  const policy = deps.throttle?.codeAttempts ?? DEFAULT_CODE_ATTEMPT_POLICY;
  const client = addressBlock(clientAddress(c, deps.throttle?.trustedProxies ?? 0));
  const now = deps.clock.now();
  const admission = await admitAttempt(deps.db, receiptNo, client, now, policy);
  if (!admission.admitted) {
    const reason = admission.guarded
      ? `verification code attempts from ${client} exhausted while the receipt number is guarded against guessing from many addresses (one attempt per address)`
      : `verification code attempts from ${client} exhausted; this address is blocked for the receipt number`;
    refuseTooMany(c, admission.blockedUntil - now, { reason, resource: receiptNo }, true);
  }
  const result = await checkReceiptCode(deps.db, receiptNo, code);
  if (!result.ok || result.party !== party) {
    const failure = result.ok ? `receipt belongs to a ${result.party}, not a ${party}` : `receipt check failed: ${result.reason}`;
    const { blockedUntil, guardedUntil } = await recordFailedAttempt(deps.db, receiptNo, client, now, policy, admission.allowance);
    const blocked = blockedUntil === undefined ? '' : `; ${client} blocked for the receipt number until ${new Date(blockedUntil).toISOString()}`;
    const guarded = guardedUntil === undefined ? '' : `; receipt number guarded until ${new Date(guardedUntil).toISOString()}`;
    throw notFound(what, { reason: failure + blocked + guarded, resource: receiptNo });
  }
  await recordRightCode(deps.db, receiptNo, client);
  return { kind: 'party', party, receiptNo, instanceId: result.instanceId, region: result.region };
}

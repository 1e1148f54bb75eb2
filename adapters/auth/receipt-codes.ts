import { randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import type { Executor } from '../storage/database.ts';
import { withApiTables } from './api-tables.ts';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number }) => Promise<Buffer>;

/** Letters and digits that cannot be misread (no 0/O, 1/I/L): 31 symbols, 8 of them ≈ 39.6 bits. */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
const CODE_LENGTH = 8;
export const CODE_PATTERN = /^[2-9A-HJKMNP-Z]{8}$/;
/** Wrong codes in a row before a receipt is locked, and for how long. */
export const MAX_FAILED_ATTEMPTS = 10;
export const LOCK_MS = 15 * 60_000;
const SCRYPT = { N: 16_384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

export type Party = 'applicant' | 'bidder';

async function digest(code: string, salt: Buffer): Promise<Buffer> {
  return scryptAsync(code, salt, KEY_LENGTH, SCRYPT);
}

/** A fresh random verification code. */
function newVerificationCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/**
 * Issues (or re-issues, replacing the old one) the verification code of a receipt and returns it;
 * only a salted scrypt digest is stored. Run it in the transaction that started the instance.
 */
export async function issueReceiptCode(
  executor: Executor,
  receipt: { receiptNo: string; instanceId: string; party: Party; region: string },
  now: number,
): Promise<string> {
  const code = newVerificationCode();
  const salt = randomBytes(16);
  const hash = (await digest(code, salt)).toString('hex');
  await withApiTables(executor)
    .insertInto('receipt_codes')
    .values({
      receipt_no: receipt.receiptNo,
      instance_id: receipt.instanceId,
      party: receipt.party,
      region: receipt.region,
      code_hash: hash,
      code_salt: salt.toString('hex'),
      hash_alg: 'scrypt',
      issued_at: new Date(now),
    })
    .onConflict((oc) =>
      oc.column('receipt_no').doUpdateSet({ code_hash: hash, code_salt: salt.toString('hex'), failed_attempts: 0, locked_until: null, issued_at: new Date(now) }),
    )
    .execute();
  return code;
}

export type ReceiptCheck =
  | { ok: true; instanceId: string; party: Party; region: string }
  | { ok: false; reason: 'unknown' | 'locked' | 'mismatch' };

const DUMMY_SALT = Buffer.alloc(16);

/**
 * Checks a receipt number and code. A wrong code counts towards a lock of `LOCK_MS` after
 * `MAX_FAILED_ATTEMPTS`; a right one resets the count. Unknown receipts cost the same scrypt
 * work as known ones, so timing does not tell which receipts exist.
 */
export async function checkReceiptCode(executor: Executor, receiptNo: string, code: string, now: number): Promise<ReceiptCheck> {
  const db = withApiTables(executor);
  const row = await db
    .selectFrom('receipt_codes')
    .select(['instance_id', 'party', 'region', 'code_hash', 'code_salt', 'failed_attempts', 'locked_until'])
    .where('receipt_no', '=', receiptNo)
    .executeTakeFirst();
  const offered = await digest(code, row ? Buffer.from(row.code_salt, 'hex') : DUMMY_SALT);
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.locked_until !== null && row.locked_until.getTime() > now) return { ok: false, reason: 'locked' };
  const stored = Buffer.from(row.code_hash, 'hex');
  if (stored.length !== offered.length || !timingSafeEqual(stored, offered)) {
    await sql`
      update receipt_codes
      set failed_attempts = case when failed_attempts + 1 >= ${MAX_FAILED_ATTEMPTS} then 0 else failed_attempts + 1 end,
          locked_until = case when failed_attempts + 1 >= ${MAX_FAILED_ATTEMPTS}
                              then cast(${new Date(now + LOCK_MS).toISOString()} as timestamptz) else locked_until end
      where receipt_no = ${receiptNo}`.execute(executor);
    return { ok: false, reason: 'mismatch' };
  }
  if (row.failed_attempts > 0 || row.locked_until !== null) {
    await db.updateTable('receipt_codes').set({ failed_attempts: 0, locked_until: null }).where('receipt_no', '=', receiptNo).execute();
  }
  return { ok: true, instanceId: row.instance_id, party: row.party, region: row.region };
}

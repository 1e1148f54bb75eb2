import { randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Executor } from '../storage/database.ts';
import { withApiTables } from './api-tables.ts';
import { clearAttempts } from './code-attempts.ts';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number }) => Promise<Buffer>;

/** Letters and digits that cannot be misread (no 0/O, 1/I/L): 31 symbols, 8 of them ≈ 39.6 bits. */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
const CODE_LENGTH = 8;
export const CODE_PATTERN = /^[2-9A-HJKMNP-Z]{8}$/;
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
 * only a salted scrypt digest is stored, and earlier attempts at the receipt number are forgotten.
 * Run it in the transaction that started the instance.
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
    .onConflict((oc) => oc.column('receipt_no').doUpdateSet({ code_hash: hash, code_salt: salt.toString('hex'), issued_at: new Date(now) }))
    .execute();
  await clearAttempts(executor, receipt.receiptNo);
  return code;
}

export type ReceiptCheck = { ok: true; instanceId: string; party: Party; region: string } | { ok: false; reason: 'unknown' | 'mismatch' };

const DUMMY_SALT = Buffer.alloc(16);

/**
 * Checks a receipt number and code. Unknown receipts cost the same scrypt work as known ones, so
 * timing does not tell which receipts exist. Throttling repeated attempts is `code-attempts.ts`'s.
 */
export async function checkReceiptCode(executor: Executor, receiptNo: string, code: string): Promise<ReceiptCheck> {
  const row = await withApiTables(executor)
    .selectFrom('receipt_codes')
    .select(['instance_id', 'party', 'region', 'code_hash', 'code_salt'])
    .where('receipt_no', '=', receiptNo)
    .executeTakeFirst();
  const offered = await digest(code, row ? Buffer.from(row.code_salt, 'hex') : DUMMY_SALT);
  if (!row) return { ok: false, reason: 'unknown' };
  const stored = Buffer.from(row.code_hash, 'hex');
  if (stored.length !== offered.length || !timingSafeEqual(stored, offered)) return { ok: false, reason: 'mismatch' };
  return { ok: true, instanceId: row.instance_id, party: row.party, region: row.region };
}

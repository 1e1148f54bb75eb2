/** 18-digit resident ID numbers (last character may be X) not inside a longer digit run. */
const ID_CARD = /(?<![0-9])([1-9][0-9]{3})[0-9]{10}([0-9]{3}[0-9Xx])(?![0-9Xx])/g;
/** Mainland mobile numbers. */
const MOBILE = /(?<![0-9])(1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])/g;

/** UUIDs are identifiers; a run of digits inside one is not a phone number. */
const UUID = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/g;

function maskPart(text: string): string {
  return text.replace(ID_CARD, '$1**********$2').replace(MOBILE, '$1****$2');
}

/**
 * Masks ID-card numbers as `5201**********1234` and mobile numbers as `138****1234`
 * wherever they appear in `text`, leaving UUIDs intact. Pure.
 */
export function maskPersonalData(text: string): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(UUID)) {
    out += maskPart(text.slice(last, match.index)) + match[0];
    last = match.index + match[0].length;
  }
  return out + maskPart(text.slice(last));
}

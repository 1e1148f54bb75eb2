/** 18-digit resident ID numbers (last character may be X) not inside a longer digit run. */
const ID_CARD = /(?<![0-9])([1-9][0-9]{3})[0-9]{10}([0-9]{3}[0-9Xx])(?![0-9Xx])/g;
/** Mainland mobile numbers. */
const MOBILE = /(?<![0-9])(1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])/g;

/**
 * Masks ID-card numbers as `5201**********1234` and mobile numbers as `138****1234`
 * wherever they appear in `text`. Pure.
 */
export function maskPersonalData(text: string): string {
  return text.replace(ID_CARD, '$1**********$2').replace(MOBILE, '$1****$2');
}

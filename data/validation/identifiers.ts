/**
 * Validation of the identifiers citizens and enterprises type, as the domain reference defines them:
 * mainland mobile numbers, the unified social credit code (GB 32100-2015) and the resident ID number (GB 11643).
 */

const FULLWIDTH_DIGITS = /[０-９]/g;

/** Strips spaces, dashes, a +86/0086 prefix and turns full-width digits into ASCII. */
export function normalizeMobile(input: string): string {
  let s = input.replace(FULLWIDTH_DIGITS, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
  s = s.replace(/[\s\-()（）]/g, '');
  s = s.replace(/^(\+86|0086|86)(?=1\d{10}$)/, '');
  return s;
}

/** True for an 11-digit mainland mobile number starting 1[3-9], after normalization. */
export function isMobile(input: string): boolean {
  return /^1[3-9]\d{9}$/.test(normalizeMobile(input));
}

const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** Validates an 18-character unified social credit code including its check character. */
export function isUscc(input: string): boolean {
  const s = input.trim().toUpperCase();
  if (!/^[0-9ABCDEFGHJKLMNPQRTUWXY]{18}$/.test(s)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_ALPHABET.indexOf(s[i]) * USCC_WEIGHTS[i];
  const check = (31 - (sum % 31)) % 31;
  return USCC_ALPHABET[check] === s[17];
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECKS = '10X98765432';

/** Validates an 18-character resident ID number: digits, a real birth date, and the check character. */
export function isResidentId(input: string): boolean {
  const s = input.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(s)) return false;
  const y = Number(s.slice(6, 10));
  const m = Number(s.slice(10, 12));
  const d = Number(s.slice(12, 14));
  const birth = new Date(Date.UTC(y, m - 1, d));
  if (birth.getUTCFullYear() !== y || birth.getUTCMonth() !== m - 1 || birth.getUTCDate() !== d) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(s[i]) * ID_WEIGHTS[i];
  return ID_CHECKS[sum % 11] === s[17];
}

/**
 * Masking of personal data for screens and logs (domain reference, Confidentiality):
 * phone numbers as 138****5678, ID numbers keeping only the first 6 and last 4 characters.
 */

/** 13812345678 → 138****5678. Anything that is not 11 digits is masked all but its last 2 characters. */
export function maskPhone(phone: string): string {
  if (/^\d{11}$/.test(phone)) return phone.slice(0, 3) + '****' + phone.slice(7);
  return phone.length <= 2 ? '**' : '*'.repeat(phone.length - 2) + phone.slice(-2);
}

/** 11010519491231002X → 110105********002X. */
export function maskIdNumber(id: string): string {
  return id.length === 18 ? id.slice(0, 6) + '********' + id.slice(14) : '*'.repeat(id.length);
}

/** 张三丰 → 张**; a Latin name keeps its first letter. */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  return chars.length === 0 ? '' : chars[0] + '*'.repeat(Math.max(1, Math.min(chars.length - 1, 3)));
}

/** zhang.san@example.com → z***@example.com */
export function maskEmail(email: string): string {
  const at = email.indexOf('@');
  return at <= 0 ? '***' : email[0] + '***' + email.slice(at);
}

// Resident ID numbers first (18 chars), then mobile numbers, in free text; digits glued to other digits are left alone.
const ID_IN_TEXT = /(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)/g;
const MOBILE_IN_TEXT = /(?<!\d)(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?\d{4}[\s-]?(\d{4})(?!\d)/g;

/** Masks every ID number and mobile number found in free text. Used for logs and for screens of roles without the need. */
export function redactText(text: string): string {
  return text.replace(ID_IN_TEXT, '$1********$2').replace(MOBILE_IN_TEXT, '$1****$2');
}

/** Deep copy of a value with every string passed through redactText. Used by the logger. */
export function redactDeep<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return redactText(value) as unknown as T;
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    const e = new Error(redactText(value.message));
    e.name = value.name;
    e.stack = value.stack ? redactText(value.stack) : undefined;
    return e as unknown as T;
  }
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1)) as unknown as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = redactDeep(v, depth + 1);
  return out as T;
}

import type { z } from 'zod';
import { ApiError } from './api-error';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../json-depth';

/** Rejects any key that starts with "$" or contains "." anywhere in a body (MongoDB operators and dotted paths). */
export function hasOperatorKeys(value: unknown, depth = 0): boolean {
  if (depth > 10 || value === null || typeof value !== 'object') return false;
  return Object.entries(value as Record<string, unknown>).some(([k, v]) => k.startsWith('$') || k.includes('.') || hasOperatorKeys(v, depth + 1));
}

/** Validates input against a schema; a refusal is a 400 with a Chinese message naming the problem. */
export function parse<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  if (nestedDeeperThan(input, MAX_JSON_DEPTH)) throw new ApiError(400, 'invalid-input', '请求格式不正确：嵌套层级过深。');
  if (hasOperatorKeys(input)) throw new ApiError(400, 'invalid-input', '请求中含有不允许的字段。');
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const message = issue.code === 'unrecognized_keys' ? `请求中含有不认识的字段：${issue.keys.join('、')}。` : issue.message && /[\u4e00-\u9fff]/.test(issue.message) ? issue.message : `字段“${issue.path.join('.') || '请求'}”不正确。`;
  throw new ApiError(400, 'invalid-input', message);
}


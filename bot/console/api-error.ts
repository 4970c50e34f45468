import { LifecycleError, type LifecycleErrorCode } from '../../data/tickets/lifecycle';
import { RedispatchError } from '../../workers/tickets/redispatch';

/** An API refusal: HTTP status, a stable code for programs, and a polite Chinese message for people. Thrown by routes, rendered as {code, message}. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notLoggedIn = () => new ApiError(401, 'unauthenticated', '请先登录。');
export const forbidden = (message = '您的角色无权进行此操作。') => new ApiError(403, 'forbidden', message);
/** Another unit's ticket answers exactly like a missing one, so an agent cannot probe which numbers exist. */
export const ticketNotFound = () => new ApiError(404, 'not-found', '未找到该工单，请核对工单号。');

const STATUS: Partial<Record<LifecycleErrorCode, number>> = {
  forbidden: 403,
  'not-your-department': 404,
  'not-assigned': 404,
  'not-found': 404,
  conflict: 409,
  'reason-required': 400,
  'text-required': 400,
  'note-required': 400,
  'bad-date': 400,
  'unknown-department': 400,
  'merge-self': 400,
};

/** The API form of an error from the ticket use cases; anything else is left to the generic 500. */
export function toApiError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err instanceof LifecycleError) {
    if (err.code === 'not-your-department' || err.code === 'not-found') return ticketNotFound();
    return new ApiError(STATUS[err.code] ?? 409, err.code, err.message);
  }
  if (err instanceof RedispatchError) {
    const status = err.code === 'not-found' ? 404 : err.code === 'forbidden' ? 403 : err.code === 'unknown-department' ? 400 : 409;
    return new ApiError(status, err.code, err.message);
  }
  return null;
}

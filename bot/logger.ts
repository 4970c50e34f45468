import pino from 'pino';
import { redactDeep } from '../data/validation/masking';

export type Logger = pino.Logger;

/**
 * JSON logger whose every argument is passed through the personal-data redactor first,
 * so a phone or ID number typed by a citizen never reaches a log in clear.
 */
export function createLogger(level: string, name = 'hotline'): Logger {
  return pino({
    name,
    level,
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => redactDeep(a)) as Parameters<typeof method>);
      },
    },
  });
}

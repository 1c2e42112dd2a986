import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger };

/** JSON logs on stdout; keys and passwords are redacted wherever they appear. */
export function createLogger(level = process.env.TANDEM_LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { pid: process.pid },
    redact: { paths: ['key', '*.key', 'password', '*.password', 'auth.key'], censor: '[redacted]' },
  });
}

import { pino } from 'pino';
import pretty from 'pino-pretty';
import type { Logger } from 'pino';

export type { Logger };
export type LogFormat = 'json' | 'pretty';

/**
 * Logs on stdout: JSON lines, or `pretty` for a terminal (pino-pretty, in-process so a crash
 * loses no line). Keys and passwords are redacted wherever they appear.
 */
export function createLogger(level = process.env.TANDEM_LOG_LEVEL ?? 'info', format: LogFormat = 'json'): Logger {
  const options = {
    level,
    base: { pid: process.pid },
    redact: { paths: ['key', '*.key', 'password', '*.password', 'auth.key'], censor: '[redacted]' },
  };
  if (format === 'pretty') return pino(options, pretty({ colorize: process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true }));
  return pino(options);
}

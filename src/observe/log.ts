import { createRequire } from 'node:module';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

export type { Logger };
export type LogFormat = 'json' | 'pretty';

/**
 * Logs on stdout: JSON lines, or `pretty` for a terminal (pino-pretty, in-process so a crash
 * loses no line). Keys and passwords are redacted wherever they appear.
 *
 * `blocking: false` (the daemon's VRRP thread): lines are written in the background, so a
 * reader that falls behind (a full pipe, a slow journald) can never stall an advert; a line may
 * wait in memory, and pino writes what is left when the process exits.
 */
export function createLogger(level = process.env.TANDEM_LOG_LEVEL ?? 'info', format: LogFormat = 'json', blocking = true): Logger {
  const options = {
    level,
    base: { pid: process.pid },
    redact: { paths: ['key', '*.key', 'password', '*.password', 'auth.key'], censor: '[redacted]' },
  };
  if (format === 'pretty') {
    // Loaded only for a terminal: a daemon logging JSON never pays for it.
    const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
    return pino(options, pretty({ colorize: process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true }));
  }
  return blocking ? pino(options) : pino(options, pino.destination({ dest: 1, sync: false }));
}

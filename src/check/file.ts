import { open } from 'node:fs/promises';
import type { CheckOutcome } from './types.js';
import { errorText } from './types.js';

/*
 * Tracked files (Keepalived's track_file): a file holds a number that something outside tandem
 * writes (a maintenance switch, a capacity figure). Read as Keepalived reads it, with C's
 * strtol in base 0, so a file that works with Keepalived means the same here.
 */

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * The number in a tracked file's text (pure): leading blanks, a sign, then `0x` hex, `0` octal
 * or decimal digits, as far as they go; no digits at all reads as 0. A number outside 32 bits
 * is undefined: the caller keeps the last value (Keepalived ignores it too).
 */
export function parseTrackedValue(text: string): number | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)?/.exec(text);
  const digits = m?.[2];
  if (!digits) return 0;
  const sign = m?.[1] === '-' ? -1n : 1n;
  const magnitude = /^0[xX]/.test(digits) ? BigInt(digits) : digits.startsWith('0') && digits.length > 1 ? BigInt(`0o${digits.slice(1)}`) : BigInt(digits);
  const value = sign * magnitude;
  // Keepalived accepts up to INT32_MAX + 1 (so that -1 times a weight of -2^31 fits).
  if (value < BigInt(INT32_MIN) || value > BigInt(INT32_MAX) + 1n) return undefined;
  return Number(value);
}

/** A tracked file's value now: a missing file reads as 0; undefined when its number is out of range. */
export async function readTrackedValue(path: string): Promise<number | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  try {
    const buf = Buffer.alloc(127);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return parseTrackedValue(buf.subarray(0, bytesRead).toString('latin1'));
  } finally {
    await handle.close();
  }
}

/**
 * What a value does to a real server (pure): with a multiplier of 0, any value but 0 takes it
 * out; otherwise its weight becomes its own plus value × multiplier, within IPVS's 0-65535
 * (weight 0 keeps it in the table but sends it no new connections, as with Keepalived).
 */
export function fileOutcome(value: number, baseWeight: number, multiplier: number): CheckOutcome {
  if (multiplier === 0) return value === 0 ? { ok: true, message: 'value 0' } : { ok: false, message: `value ${value} (not 0)` };
  const weight = Math.min(65535, Math.max(0, baseWeight + value * multiplier));
  return { ok: true, message: `value ${value}: weight ${weight}`, weight };
}

export interface FileCheckOptions {
  path: string;
  multiplier: number;
  baseWeight: number;
}

/** A check that reads a tracked file; an unreadable number keeps the last one read (first: 0). */
export function fileChecker(opts: FileCheckOptions): () => Promise<CheckOutcome> {
  let last = 0;
  return async () => {
    try {
      const value = await readTrackedValue(opts.path);
      if (value !== undefined) last = value;
      return fileOutcome(last, opts.baseWeight, opts.multiplier);
    } catch (err) {
      return { ok: false, message: `cannot read ${opts.path}: ${errorText(err)}` };
    }
  };
}

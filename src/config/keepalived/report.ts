import { isIP } from 'node:net';
import type { KStatement } from './parse.js';

export type Obj = Record<string, unknown>;

export interface ImportNote {
  line: number;
  /** The included file the statement is in; the main file when unset. */
  file?: string;
  /** Where, e.g. `vrrp_instance VI_1 > authentication`. */
  where: string;
  message: string;
  /**
   * note: translated, worth knowing; warning: translated as Keepalived runs it, but the
   * original looks like a mistake; differs: translated, but tandem behaves otherwise;
   * untranslated: tandem has no equivalent. `--strict` fails on the last two.
   */
  kind: 'note' | 'warning' | 'differs' | 'untranslated';
}

/** Where the translators report what they did not carry over as it was. */
export interface Reporter {
  note(s: KStatement, where: string, message: string, kind?: ImportNote['kind']): void;
  differs(s: KStatement, where: string, message: string): void;
  untranslated(s: KStatement, where: string, why?: string): void;
}

export function numberArg(s: KStatement, index = 0): number {
  return Number(s.args[index]);
}

/** The range Keepalived reads a keyword's number in; `decimal` where it takes a fraction (timers). */
export interface NumberRule {
  min: number;
  max: number;
  decimal?: boolean;
}

/**
 * A number as Keepalived reads it: the whole word must be one (`100,x` is not), within the
 * keyword's range. Anything else Keepalived logs and skips, leaving the keyword at its default;
 * the import does the same, with a warning, and returns undefined.
 */
export function keepalivedNumber(r: Reporter, s: KStatement, where: string, rule: NumberRule, index = 0): number | undefined {
  const word = s.args[index];
  const pattern = rule.decimal ? /^\d+(\.\d+)?$/ : /^[-+]?\d+$/;
  const value = word !== undefined && pattern.test(word) ? Number(word) : Number.NaN;
  if (value >= rule.min && value <= rule.max) return value;
  const what = word === undefined ? 'a missing number' : `"${word}"`;
  r.note(s, where, `Keepalived refuses ${what} (it takes ${rule.decimal ? 'a number' : 'an integer'} from ${rule.min} to ${rule.max}), skips the line and keeps its default; so does this import`, 'warning');
  return undefined;
}

/**
 * An address as Keepalived reads it; a word that is none (a template's `<ip>`) Keepalived logs
 * and skips, and so does the import, with a warning.
 */
export function keepalivedAddress(r: Reporter, s: KStatement, where: string, index = 0): string | undefined {
  const word = s.args[index];
  if (word !== undefined && isIP(word)) return word;
  r.note(s, where, `Keepalived refuses ${word === undefined ? 'a missing address' : `"${word}", which is not an address,`} and skips the line; so does this import`, 'warning');
  return undefined;
}

/** Keepalived's <BOOL>: on|off|true|false|yes|no; a bare keyword is true. */
export function boolArg(s: KStatement): boolean {
  const a = (s.args[0] ?? 'true').toLowerCase();
  return !['off', 'false', 'no', '0'].includes(a);
}

/** Kinds that make `--strict` fail: the imported config would behave otherwise. */
export function isStrictFailure(n: ImportNote): boolean {
  return n.kind === 'differs' || n.kind === 'untranslated';
}

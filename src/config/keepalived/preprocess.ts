import path from 'node:path';

/*
 * Keepalived's config language above the statements, applied line by line before the
 * tokenizer, as Keepalived does:
 * - `@ID line` keeps the line only when ID is the config id; `@^ID line` only when it is not;
 * - `$NAME=VALUE` defines a parameter (a value ending in `\` continues on the next line);
 *   `$NAME` followed by whitespace or the end, and `${NAME}` anywhere, are replaced by its value,
 *   recursively, at the time of use; an undefined parameter stays as written;
 * - `~SEQ(VAR, START, STEP, END) rest` repeats `rest` with $VAR counting (`~SEQx`: in hex);
 * - predefined: ${_PWD} (the file's directory), ${_INSTANCE} (the config id), ${_HASH}, ${_BANG},
 *   ${_ENV NAME}. ${_RANDOM} is refused: a config that differs at each read cannot be imported.
 * Each output line keeps the number of the source line it came from.
 */

export interface SourceLine {
  text: string;
  line: number;
}

export interface LanguageContext {
  /** The config id conditional lines are compared with (Keepalived's -i; default: the host name). */
  configId: string;
  /** Parameters defined so far; shared with included files, as in Keepalived. */
  defs: Map<string, string>;
  /** Conditional lines seen, to tell the user which id they were resolved for. */
  conditionals: number;
  env: NodeJS.ProcessEnv;
}

export class LanguageError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/** Stand-ins for `#` and `!` from ${_HASH} and ${_BANG}, which must not start a comment. */
export const LITERAL_HASH = '\uE000';
export const LITERAL_BANG = '\uE001';

/** A token's text with the stand-ins turned back into the characters. */
export function literalText(text: string): string {
  return text.replaceAll(LITERAL_HASH, '#').replaceAll(LITERAL_BANG, '!');
}

const MAX_EXPANSION = 64;
const MAX_SEQ_LINES = 65_536;

export function newLanguageContext(configId: string, env: NodeJS.ProcessEnv = process.env): LanguageContext {
  return { configId, defs: new Map(), conditionals: 0, env };
}

export function preprocess(text: string, file: string, ctx: LanguageContext): SourceLine[] {
  const raw = text.split('\n');
  const out: SourceLine[] = [];
  for (let i = 0; i < raw.length; i++) {
    const line = i + 1;
    let body = raw[i] as string;
    // A multiline definition: each line but the last ends in a backslash.
    if (/^\s*(@\^?\S+\s+)?\$[A-Za-z_][A-Za-z0-9_]*=/.test(body)) {
      while (body.trimEnd().endsWith('\\') && i + 1 < raw.length) {
        i++;
        body = `${body.trimEnd().slice(0, -1).trimEnd()}\n${(raw[i] as string).trim()}`;
      }
    }
    out.push(...processLine(body, file, ctx, line, 0));
  }
  return out;
}

/**
 * One line through the language: its condition, a definition, ~SEQ, then one round of
 * substitution; what a substitution gives is processed again, line by line, so that
 * definitions inside a multiline parameter take effect in order, as Keepalived reads them.
 */
function processLine(text: string, file: string, ctx: LanguageContext, line: number, depth: number): SourceLine[] {
  if (depth > MAX_EXPANSION) throw new LanguageError(line, `parameters nested deeper than ${MAX_EXPANSION} (a parameter that names itself?)`);
  const body = conditional(text, ctx);
  if (body === undefined) return [];
  const def = /^\s*\$([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/.exec(body);
  if (def) {
    ctx.defs.set(def[1] as string, (def[2] as string).trim());
    return [];
  }
  const seq = /^\s*~SEQ(x?)\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,([^)]*)\)\s*(.*)$/.exec(body);
  if (seq) return repeat(seq as unknown as [string, string, string, string, string], file, ctx, line, depth);
  const next = substituteOnce(body, file, ctx, line);
  if (next === body) return [{ text: body, line }];
  const out: SourceLine[] = [];
  for (const piece of next.split('\n')) out.push(...processLine(piece, file, ctx, line, depth + 1));
  return out;
}

function repeat([, hex, name, argText, rest]: [string, string, string, string, string], file: string, ctx: LanguageContext, line: number, depth: number): SourceLine[] {
  const out: SourceLine[] = [];
  const before = ctx.defs.get(name);
  for (const value of sequence(argText, line)) {
    ctx.defs.set(name, hex ? value.toString(16) : String(value));
    out.push(...processLine(rest, file, ctx, line, depth + 1));
    if (out.length > MAX_SEQ_LINES) throw new LanguageError(line, `~SEQ produces more than ${MAX_SEQ_LINES} lines`);
  }
  if (before === undefined) ctx.defs.delete(name);
  else ctx.defs.set(name, before);
  return out;
}

/** The line without its condition when it applies to this config id, undefined when it does not. */
function conditional(text: string, ctx: LanguageContext): string | undefined {
  const m = /^\s*@(\^?)(\S+)(.*)$/.exec(text);
  if (!m) return text;
  ctx.conditionals++;
  const matches = m[2] === ctx.configId;
  return (m[1] === '^' ? !matches : matches) ? (m[3] as string) : undefined;
}

function sequence(argText: string, line: number): number[] {
  const args = argText.split(',').map((a) => a.trim());
  const nums = args.map((a) => (/^-?0x[0-9a-f]+$/i.test(a) ? Number.parseInt(a.replace(/^-/, ''), 16) * (a.startsWith('-') ? -1 : 1) : Number(a)));
  if (!args.length || args.length > 3 || nums.some((n) => !Number.isInteger(n))) {
    throw new LanguageError(line, `~SEQ(VAR, [START, [STEP,]] END) needs integers, got (${argText.trim()})`);
  }
  const end = nums[nums.length - 1] as number;
  const start = nums.length >= 2 ? (nums[0] as number) : end >= 0 ? 1 : -1;
  const step = nums.length === 3 ? (nums[1] as number) : end >= start ? 1 : -1;
  if (step === 0) throw new LanguageError(line, '~SEQ step 0 never ends');
  const out: number[] = [];
  for (let v = start; step > 0 ? v <= end : v >= end; v += step) {
    out.push(v);
    if (out.length > MAX_SEQ_LINES) throw new LanguageError(line, `~SEQ produces more than ${MAX_SEQ_LINES} values`);
  }
  return out;
}

function substituteOnce(text: string, file: string, ctx: LanguageContext, line: number): string {
  return text.replace(/\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)(?=\s|$)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare ?? '').trim();
    const value = predefined(name, file, ctx, line) ?? ctx.defs.get(name);
    return value ?? whole;
  });
}

function predefined(name: string, file: string, ctx: LanguageContext, line: number): string | undefined {
  const [head, ...args] = name.split(/\s+/);
  switch (head) {
    case '_PWD':
      return path.dirname(path.resolve(file));
    case '_INSTANCE':
      return ctx.configId;
    case '_HASH':
      return LITERAL_HASH;
    case '_BANG':
      return LITERAL_BANG;
    case '_ENV':
      return ctx.env[args[0] ?? ''] ?? '';
    case '_RANDOM':
      throw new LanguageError(line, '${_RANDOM} gives another value at each read: write the value it should have');
    default:
      return undefined;
  }
}

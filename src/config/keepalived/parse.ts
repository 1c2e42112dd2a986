import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { glob } from 'tinyglobby';
import type { KeepalivedGrammar } from './grammar.js';
import { KEEPALIVED_GRAMMAR } from './grammar.js';
import type { LanguageContext, SourceLine } from './preprocess.js';
import { LanguageError, literalText, newLanguageContext, preprocess } from './preprocess.js';

/*
 * keepalived.conf syntax: statements of a keyword and arguments on one line, blocks in braces
 * (which may open on the same line or the next), comments from `#` or `!` to the end of the
 * line, double-quoted strings. This reads it into a tree and keeps each statement's line.
 * Which keyword opens a block is Keepalived's grammar (grammar.ts), not the braces: Keepalived
 * reads a `{` after any other keyword as a stray brace, and so does this parser.
 */

export interface KStatement {
  keyword: string;
  args: string[];
  line: number;
  /** The file it came from, when an `include` brought it in. */
  file?: string;
  /** Present for a block, even an empty one. */
  children?: KStatement[];
  /** A block keyword whose `{` is missing: Keepalived reads the lines after it as its block all the same. */
  braceMissing?: true;
  /** A keyword that reads a block of values (virtual_ipaddress, track_script...): Keepalived ignores words after it on its line. */
  values?: true;
  /** Keepalived does not know this keyword where it stands (it logs "Unknown keyword" and skips the line). */
  unknown?: true;
  /**
   * A `{` after a keyword that opens no block (or after none): Keepalived ignores that `{`
   * ("Unexpected '{'"), reads the lines after it as lines of the block it is in, and the `}`
   * meant for it closes that block instead.
   */
  strayBrace?: true;
}

/** What a block holds: the keywords of a sub-level, or lines of values (virtual_ipaddress...). */
type Level = KeepalivedGrammar | 'values';

interface Token {
  text: string;
  line: number;
  quoted: boolean;
  file: string;
}

export class KeepalivedSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
    this.name = 'KeepalivedSyntaxError';
  }
}

export function tokenize(lines: SourceLine[], file: string): Token[] {
  const tokens: Token[] = [];
  lines.forEach(({ text: raw, line }) => {
    let i = 0;
    while (i < raw.length) {
      const c = raw[i] as string;
      if (c === '#' || c === '!') break;
      if (/\s/.test(c)) {
        i++;
      } else if (c === '{' || c === '}') {
        // Keepalived would read `{{ VAR }}` as braces and make nonsense of the blocks around it.
        if (raw.startsWith('{{', i) || raw.startsWith('{%', i)) {
          throw new KeepalivedSyntaxError(file, line, `"${raw.slice(i, i + 2)}": this is a template (Jinja, Ansible, Go...), not a keepalived.conf: import the file it renders for the director`);
        }
        tokens.push({ text: c, line, quoted: false, file });
        i++;
      } else if (c === '"') {
        const end = raw.indexOf('"', i + 1);
        if (end < 0) throw new KeepalivedSyntaxError(file, line, 'unterminated quoted string');
        tokens.push({ text: literalText(raw.slice(i + 1, end)), line, quoted: true, file });
        i = end + 1;
      } else {
        let j = i;
        // A `${NAME}` left undefined stays inside its word, braces and all.
        while (j < raw.length && !/[\s{}"#!]/.test(raw[j] as string)) j = raw.startsWith('${', j) && raw.indexOf('}', j) > 0 ? raw.indexOf('}', j) + 1 : j + 1;
        tokens.push({ text: literalText(raw.slice(i, j)), line, quoted: false, file });
        i = j;
      }
    }
  });
  return tokens;
}

function fileTokens(text: string, file: string, ctx: LanguageContext): Token[] {
  try {
    return tokenize(preprocess(text, file, ctx), file);
  } catch (err) {
    if (err instanceof LanguageError) throw new KeepalivedSyntaxError(file, err.line, err.message);
    throw err;
  }
}

/** A keepalived.conf text -> its statements (an `include` stays a statement; loadKeepalived reads them). */
export function parseKeepalived(text: string, file: string, ctx: LanguageContext = newLanguageContext(defaultConfigId())): KStatement[] {
  return parseTokens(fileTokens(text, file, ctx), file);
}

const isBrace = (t: Token | undefined, b: string) => t !== undefined && !t.quoted && t.text === b;

/**
 * Reads statements as Keepalived's parser does, by its grammar: a keyword it knows as a block
 * (a sub-level, or a block of values) takes the block after it, even without its `{`; any other
 * keyword takes none, so a `{` after it is ignored and its `}` closes the block the keyword is in.
 */
function parseTokens(tokens: Token[], mainFile: string): KStatement[] {
  let pos = 0;
  const located = (t: Token, s: KStatement): KStatement => (t.file === mainFile ? s : { ...s, file: t.file });

  function block(depth: number, opener: Token | undefined, level: Level): KStatement[] {
    const out: KStatement[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos] as Token;
      pos++;
      if (isBrace(t, '}')) {
        // Keepalived skips a "}" that closes nothing ("Unknown keyword") and reads on: kept for the translator to report.
        if (depth > 0) return out;
        out.push(located(t, { keyword: '}', args: [], line: t.line, unknown: true }));
        continue;
      }
      if (isBrace(t, '{')) {
        // Keepalived: "Unexpected '{' - ignoring"; the lines after it stay in this block.
        if (level !== 'values') out.push(located(t, { keyword: '{', args: [], line: t.line, strayBrace: true }));
        continue;
      }
      const statement: KStatement = located(t, { keyword: t.text, args: [], line: t.line });
      while (pos < tokens.length && (tokens[pos] as Token).line === t.line && (tokens[pos] as Token).file === t.file && !isBrace(tokens[pos], '{') && !isBrace(tokens[pos], '}')) {
        statement.args.push((tokens[pos] as Token).text);
        pos++;
      }
      out.push(statement);
      // A block of values has no blocks inside (a "{" among its lines is skipped above).
      if (level === 'values') continue;
      const kind = statement.keyword === 'include' ? 0 : level[statement.keyword];
      if (kind === undefined) statement.unknown = true;
      if (kind === undefined || kind === 0) {
        if (isBrace(tokens[pos], '{')) {
          statement.strayBrace = true;
          pos++;
        }
        continue;
      }
      if (kind === 1) statement.values = true;
      if (isBrace(tokens[pos], '{')) pos++;
      else if (pos < tokens.length) statement.braceMissing = true;
      else continue;
      statement.children = block(depth + 1, t, kind === 1 ? 'values' : kind);
    }
    if (depth > 0 && opener) throw new KeepalivedSyntaxError(opener.file, opener.line, 'block opened here is never closed');
    return out;
  }

  return block(0, undefined, KEEPALIVED_GRAMMAR);
}

/** Splits a keepalived script string into an argument array, honouring single quotes. */
export function splitCommand(command: string): string[] {
  const out: string[] = [];
  for (const m of command.matchAll(/'([^']*)'|(\S+)/g)) out.push(m[1] ?? (m[2] as string));
  return out;
}

const MAX_INCLUDE_DEPTH = 8;

/**
 * Reads a keepalived.conf and the files its `include` lines name (glob patterns, relative to
 * the including file, at any level), in place of each include line, as Keepalived's line reader
 * does: a block may open in one file and go on in the file it includes. Statements from included
 * files carry their file; an include of a file that does not exist stays as a statement.
 */
export async function loadKeepalived(
  file: string,
  ctx: LanguageContext = newLanguageContext(defaultConfigId()),
  read: (f: string) => Promise<string> = (f) => readFile(f, 'utf8'),
): Promise<KStatement[]> {
  return parseTokens(await includedTokens(file, ctx, read, 0), file);
}

async function includedTokens(file: string, ctx: LanguageContext, read: (f: string) => Promise<string>, depth: number): Promise<Token[]> {
  const tokens = fileTokens(await read(file), file, ctx);
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const startsLine = i === 0 || (tokens[i - 1] as Token).line !== t.line;
    if (t.quoted || t.text !== 'include' || !startsLine) {
      out.push(t);
      continue;
    }
    let end = i + 1;
    while (end < tokens.length && (tokens[end] as Token).line === t.line) end++;
    const args = tokens.slice(i + 1, end);
    const pattern = args[0]?.text;
    if (!pattern) throw new KeepalivedSyntaxError(file, t.line, 'include needs a file or pattern');
    if (depth >= MAX_INCLUDE_DEPTH) throw new KeepalivedSyntaxError(file, t.line, `includes nested deeper than ${MAX_INCLUDE_DEPTH} (a loop?)`);
    const files = (await glob(pattern, { cwd: path.dirname(file), absolute: true, onlyFiles: true })).sort();
    // Keepalived logs an include that matches no file and runs on: the statement stays for the translator to report.
    if (!files.length && !/[*?[]/.test(pattern)) out.push(t, ...args);
    for (const f of files) out.push(...(await includedTokens(f, ctx, read, depth + 1)));
    i = end - 1;
  }
  return out;
}

/** Keepalived's default config id: the host name up to its first dot. */
export function defaultConfigId(): string {
  return hostname().split('.')[0] as string;
}

import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { glob } from 'tinyglobby';
import type { LanguageContext, SourceLine } from './preprocess.js';
import { LanguageError, literalText, newLanguageContext, preprocess } from './preprocess.js';

/*
 * keepalived.conf syntax: statements of a keyword and arguments on one line, blocks in braces
 * (which may open on the same line or the next), comments from `#` or `!` to the end of the
 * line, double-quoted strings. This reads it into a tree and keeps each statement's line.
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
}

/**
 * The keywords that open a block of keywords in Keepalived (a sub-level in its parser), by the
 * block they are in ('' for the top). Such a keyword is a block even without its `{`: Keepalived
 * logs "Missing '{'" and reads the next lines as its contents until the `}`.
 */
const CHECKERS = ['TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'MISC_CHECK', 'SMTP_CHECK', 'DNS_CHECK', 'UDP_CHECK', 'PING_CHECK', 'FILE_CHECK', 'BFD_CHECK'];
const SUB_LEVELS: Record<string, string[]> = {
  '': ['global_defs', 'vrrp_script', 'vrrp_track_process', 'vrrp_instance', 'vrrp_sync_group', 'virtual_server', 'track_file', 'vrrp_track_file'],
  vrrp_instance: ['authentication'],
  virtual_server: ['real_server'],
  real_server: CHECKERS,
  HTTP_GET: ['url'],
  SSL_GET: ['url'],
  SMTP_CHECK: ['host'],
};

interface Token {
  text: string;
  line: number;
  quoted: boolean;
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
        tokens.push({ text: c, line, quoted: false });
        i++;
      } else if (c === '"') {
        const end = raw.indexOf('"', i + 1);
        if (end < 0) throw new KeepalivedSyntaxError(file, line, 'unterminated quoted string');
        tokens.push({ text: literalText(raw.slice(i + 1, end)), line, quoted: true });
        i = end + 1;
      } else {
        let j = i;
        // A `${NAME}` left undefined stays inside its word, braces and all.
        while (j < raw.length && !/[\s{}"#!]/.test(raw[j] as string)) j = raw.startsWith('${', j) && raw.indexOf('}', j) > 0 ? raw.indexOf('}', j) + 1 : j + 1;
        tokens.push({ text: literalText(raw.slice(i, j)), line, quoted: false });
        i = j;
      }
    }
  });
  return tokens;
}

export function parseKeepalived(text: string, file: string, ctx: LanguageContext = newLanguageContext(defaultConfigId())): KStatement[] {
  let lines: SourceLine[];
  try {
    lines = preprocess(text, file, ctx);
  } catch (err) {
    if (err instanceof LanguageError) throw new KeepalivedSyntaxError(file, err.line, err.message);
    throw err;
  }
  const tokens = tokenize(lines, file);
  let pos = 0;
  const isBrace = (t: Token | undefined, b: string) => t !== undefined && !t.quoted && t.text === b;

  function block(depth: number, openedAt: number, parent = ''): KStatement[] {
    const out: KStatement[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos] as Token;
      if (isBrace(t, '}')) {
        pos++;
        // Keepalived skips an unmatched "}" ("Unknown keyword") and reads on: kept for the translator to report.
        if (depth > 0) return out;
        out.push({ keyword: '}', args: [], line: t.line });
        continue;
      }
      if (isBrace(t, '{')) throw new KeepalivedSyntaxError(file, t.line, 'a block needs a keyword before "{"');
      pos++;
      const statement: KStatement = { keyword: t.text, args: [], line: t.line };
      while (pos < tokens.length && (tokens[pos] as Token).line === t.line && !isBrace(tokens[pos], '{') && !isBrace(tokens[pos], '}')) {
        statement.args.push((tokens[pos] as Token).text);
        pos++;
      }
      if (isBrace(tokens[pos], '{')) {
        const open = tokens[pos] as Token;
        pos++;
        statement.children = block(depth + 1, open.line, statement.keyword);
      } else if (SUB_LEVELS[parent]?.includes(statement.keyword) && pos < tokens.length) {
        statement.braceMissing = true;
        statement.children = block(depth + 1, statement.line, statement.keyword);
      }
      out.push(statement);
    }
    if (depth > 0) throw new KeepalivedSyntaxError(file, openedAt, 'block opened here is never closed');
    return out;
  }

  return block(0, 0);
}

/** Splits a keepalived script string into an argument array, honouring single quotes. */
export function splitCommand(command: string): string[] {
  const out: string[] = [];
  for (const m of command.matchAll(/'([^']*)'|(\S+)/g)) out.push(m[1] ?? (m[2] as string));
  return out;
}

const MAX_INCLUDE_DEPTH = 8;

/**
 * Reads a keepalived.conf and the files its `include` statements name (glob patterns,
 * relative to the including file, at any level), in place of each include, as Keepalived does.
 * Statements from included files carry their file; an include of a file that does not exist stays
 * in the tree as it is.
 */
export async function loadKeepalived(
  file: string,
  ctx: LanguageContext = newLanguageContext(defaultConfigId()),
  read: (f: string) => Promise<string> = (f) => readFile(f, 'utf8'),
  depth = 0,
): Promise<KStatement[]> {
  const statements = parseKeepalived(await read(file), file, ctx);
  const expand = async (list: KStatement[]): Promise<KStatement[]> => {
    const out: KStatement[] = [];
    for (const s of list) {
      if (s.keyword !== 'include') {
        out.push(s.children ? { ...s, children: await expand(s.children) } : s);
        continue;
      }
      if (depth >= MAX_INCLUDE_DEPTH) throw new KeepalivedSyntaxError(file, s.line, `includes nested deeper than ${MAX_INCLUDE_DEPTH} (a loop?)`);
      const pattern = s.args[0];
      if (!pattern) throw new KeepalivedSyntaxError(file, s.line, 'include needs a file or pattern');
      const files = (await glob(pattern, { cwd: path.dirname(file), absolute: true, onlyFiles: true })).sort();
      // Keepalived logs an include that matches no file and runs on: the statement stays for the translator to report.
      if (!files.length && !/[*?[]/.test(pattern)) out.push(s);
      for (const f of files) {
        const included = await loadKeepalived(f, ctx, read, depth + 1);
        out.push(...included.map((x) => tag(x, f)));
      }
    }
    return out;
  };
  return expand(statements);
}

function tag(s: KStatement, file: string): KStatement {
  return { ...s, file: s.file ?? file, ...(s.children ? { children: s.children.map((c) => tag(c, file)) } : {}) };
}

/** Keepalived's default config id: the host name up to its first dot. */
export function defaultConfigId(): string {
  return hostname().split('.')[0] as string;
}

import { stringify } from 'yaml';
import { ConfigError, formatIssue } from '../errors.js';
import { parseConfig } from '../parse.js';
import type { ImportNote } from './report.js';
import { translateKeepalived } from './translate.js';
import { defaultConfigId, loadKeepalived, parseKeepalived } from './parse.js';
import type { KStatement } from './parse.js';
import { newLanguageContext } from './preprocess.js';

export interface ImportOutput {
  yaml: string;
  notes: ImportNote[];
  /** Problems that keep the result from running as it is (schema errors). */
  problems: string[];
}

export interface ImportOptions {
  /** Keepalived's -i: the id `@ID` lines are kept for (default: the host name, as Keepalived). */
  configId?: string;
}

/** keepalived.conf text -> tandem YAML, the notes on what was not carried over, and whether it validates. */
export function importKeepalived(text: string, file: string, options: ImportOptions = {}): ImportOutput {
  const ctx = newLanguageContext(options.configId ?? defaultConfigId());
  return importStatements(parseKeepalived(text, file, ctx), file, ctx.conditionals, ctx.configId);
}

/** A keepalived.conf file with its includes -> as importKeepalived. */
export async function importKeepalivedFile(file: string, options: ImportOptions = {}): Promise<ImportOutput> {
  const ctx = newLanguageContext(options.configId ?? defaultConfigId());
  return importStatements(await loadKeepalived(file, ctx), file, ctx.conditionals, ctx.configId);
}

function importStatements(statements: KStatement[], file: string, conditionals: number, configId: string): ImportOutput {
  const { config, notes } = translateKeepalived(statements);
  if (conditionals) {
    notes.unshift({ line: 0, where: 'conditional lines', message: `${conditionals} @-line(s) resolved for config id "${configId}" (Keepalived's -i); pass --config-id ID for another director`, kind: 'note' });
  }
  const yaml = `# Imported from ${file} by tandem import-keepalived; review the notes it printed.\n${stringify(config)}`;
  let problems: string[] = [];
  try {
    parseConfig(yaml, '(imported)');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems = err.issues.map(formatIssue);
  }
  return { yaml, notes, problems };
}

const LABEL: Record<ImportNote['kind'], string> = { note: 'note', warning: 'warning', differs: 'differs', untranslated: 'not translated' };

export function formatNote(file: string, n: ImportNote): string {
  const message = n.kind === 'untranslated' ? n.message.replace(/^not translated: /, '') : n.message;
  return `${n.file ?? file}:${n.line}: ${LABEL[n.kind]}: ${n.where}: ${message}`;
}

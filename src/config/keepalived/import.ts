import { stringify } from 'yaml';
import { ConfigError, formatIssue } from '../errors.js';
import { parseConfig } from '../parse.js';
import type { ImportNote } from './translate.js';
import { translateKeepalived } from './translate.js';
import { loadKeepalived, parseKeepalived } from './parse.js';
import type { KStatement } from './parse.js';

export interface ImportOutput {
  yaml: string;
  notes: ImportNote[];
  /** Problems that keep the result from running as it is (schema errors). */
  problems: string[];
}

/** keepalived.conf text -> tandem YAML, the notes on what was not carried over, and whether it validates. */
export function importKeepalived(text: string, file: string): ImportOutput {
  return importStatements(parseKeepalived(text, file), file);
}

/** A keepalived.conf file with its includes -> as importKeepalived. */
export async function importKeepalivedFile(file: string): Promise<ImportOutput> {
  return importStatements(await loadKeepalived(file), file);
}

function importStatements(statements: KStatement[], file: string): ImportOutput {
  const { config, notes } = translateKeepalived(statements);
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

export function formatNote(file: string, n: ImportNote): string {
  return `${n.file ?? file}:${n.line}: ${n.kind === 'untranslated' ? 'warning' : 'note'}: ${n.where}: ${n.message}`;
}

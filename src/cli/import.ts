import { formatNote, importKeepalivedFile } from '../config/keepalived/import.js';
import { isStrictFailure } from '../config/keepalived/report.js';

/**
 * Prints the tandem YAML on stdout and every note on stderr. Exit 1 if the result does not
 * validate, or with `strict` if tandem would behave otherwise than Keepalived with the file
 * (a statement not translated, or translated with a difference).
 */
export async function importCommand(file: string, strict = false, configId?: string): Promise<number> {
  const { yaml, notes, problems } = await importKeepalivedFile(file, { configId });
  process.stdout.write(yaml);
  for (const n of notes) console.error(formatNote(file, n));
  for (const p of problems) console.error(`error: the imported config does not validate: ${p}`);
  const failing = notes.filter(isStrictFailure).length;
  if (strict && failing) console.error(`error: --strict: ${failing} statement(s) would behave otherwise in tandem (marked "differs" or "not translated")`);
  return problems.length || (strict && failing) ? 1 : 0;
}

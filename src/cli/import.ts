import { formatNote, importKeepalivedFile } from '../config/keepalived/import.js';

/**
 * Prints the tandem YAML on stdout and every note on stderr. Exit 1 if the result does not
 * validate, or with `strict` if any keyword was not translated.
 */
export async function importCommand(file: string, strict = false): Promise<number> {
  const { yaml, notes, problems } = await importKeepalivedFile(file);
  process.stdout.write(yaml);
  for (const n of notes) console.error(formatNote(file, n));
  for (const p of problems) console.error(`error: the imported config does not validate: ${p}`);
  const untranslated = notes.filter((n) => n.kind === 'untranslated').length;
  if (strict && untranslated) console.error(`error: --strict: ${untranslated} keyword(s) not translated`);
  return problems.length || (strict && untranslated) ? 1 : 0;
}

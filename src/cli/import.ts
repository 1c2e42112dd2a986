import { readFile } from 'node:fs/promises';
import { formatNote, importKeepalived } from '../config/keepalived/import.js';

/** Prints the tandem YAML on stdout and every note on stderr; exit 1 if the result does not validate. */
export async function importCommand(file: string): Promise<number> {
  const { yaml, notes, problems } = importKeepalived(await readFile(file, 'utf8'), file);
  process.stdout.write(yaml);
  for (const n of notes) console.error(formatNote(file, n));
  for (const p of problems) console.error(`error: the imported config does not validate: ${p}`);
  return problems.length ? 1 : 0;
}

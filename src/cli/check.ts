import { formatIssue } from '../config/errors.js';
import { loadConfig } from '../config/load.js';

/** Validates a config file; prints every error with file:line:column (ConfigError is thrown up). */
export async function checkCommand(file: string): Promise<number> {
  const loaded = await loadConfig(file);
  for (const w of loaded.warnings) console.error(`warning: ${formatIssue(w)}`);
  const n = loaded.config.instances.length;
  console.log(`${file}: OK (${n ? `${n} instance${n === 1 ? '' : 's'}` : 'no instance: a checker-only director'})`);
  return 0;
}

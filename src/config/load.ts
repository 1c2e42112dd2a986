import { readFile, stat } from 'node:fs/promises';
import type { Auth } from '../vrrp/advert.js';
import { ConfigError } from './errors.js';
import type { ConfigIssue } from './errors.js';
import { parseConfig } from './parse.js';
import { missingPrograms } from './programs.js';
import { checkPlaces } from './checks-of.js';
import type { Problem } from './parse.js';
import type { Config } from './schema.js';

export interface LoadedConfig {
  file: string;
  config: Config;
  auth: Auth;
  warnings: ConfigIssue[];
  /**
   * Read on the daemon's services thread: `config` comes without its real servers (they stay
   * on that thread), and these are the service changes from the running config, in words.
   */
  serviceChanges?: string[];
}

export const MIN_KEY_BYTES = 16;

/** Reads, validates and resolves the auth key of a config file; throws ConfigError with positions. */
export async function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ file, line: 1, column: 1, path: '(file)', message: `cannot read the config: ${(err as Error).message}`, rule: 'read' }]);
  }
  const parsed = parseConfig(text, file);
  const warnings = [...parsed.warnings];
  const resolved = await resolveAuth(parsed.config, env);
  if ('problem' in resolved) throw new ConfigError([parsed.locate(resolved.problem)]);
  if (resolved.warning) warnings.push(parsed.locate(resolved.warning));
  for (const problem of await openSecrets(parsed.config)) warnings.push(parsed.locate(problem));
  for (const problem of await missingPrograms(parsed.config)) warnings.push(parsed.locate(problem));
  return { file, config: parsed.config, auth: resolved.auth, warnings };
}

/** Checks' password files that others can read: warned about, as ssh does with its keys. */
async function openSecrets(config: Config): Promise<Problem[]> {
  const places = checkPlaces(config).flatMap(({ check, path }) => (check.password_file ? [{ path: [...path, 'password_file'], file: check.password_file }] : []));
  const problems: Problem[] = [];
  for (const { path, file } of places) {
    const mode = (await stat(file).catch(() => undefined))?.mode;
    if (mode !== undefined && mode & 0o077) problems.push({ path, message: `password file ${file} is readable by others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`, rule: 'secret-mode' });
  }
  return problems;
}

type Resolved = { auth: Auth; warning?: Problem } | { problem: Problem };

async function resolveAuth(config: Config, env: NodeJS.ProcessEnv): Promise<Resolved> {
  const a = config.auth;
  if (a === 'none') {
    return { auth: { type: 'none' }, warning: { path: ['auth'], message: 'adverts are not authenticated: anyone on the link can take the VIPs', rule: 'auth-none' } };
  }
  const fail = (message: string): Resolved => ({ problem: { path: ['auth'], message, rule: 'auth-key' } });
  let key: Buffer;
  let warning: Problem | undefined;
  if ('key_file' in a) {
    try {
      key = await readFile(a.key_file);
      const mode = (await stat(a.key_file)).mode;
      if (mode & 0o077) {
        warning = { path: ['auth'], message: `key file ${a.key_file} is readable by others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`, rule: 'auth-key-mode' };
      }
    } catch (err) {
      return fail(`cannot read key file: ${(err as Error).message}; create one with: head -c 32 /dev/urandom | base64 > ${a.key_file}; chmod 600 ${a.key_file}`);
    }
  } else {
    const value = env[a.key_env];
    if (value === undefined) return fail(`environment variable ${a.key_env} is not set`);
    key = Buffer.from(value);
  }
  key = trimEnd(key);
  if (key.length < MIN_KEY_BYTES) return fail(`the key is ${key.length} bytes; it must be at least ${MIN_KEY_BYTES}`);
  return { auth: { type: 'hmac-sha256', key }, warning };
}

/** Drops a trailing newline and spaces, as editors and `echo` add them. */
function trimEnd(buf: Buffer): Buffer {
  let end = buf.length;
  while (end > 0 && [0x0a, 0x0d, 0x20, 0x09].includes(buf[end - 1] as number)) end--;
  return buf.subarray(0, end);
}

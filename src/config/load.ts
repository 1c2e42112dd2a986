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
  if (!('keys' in a)) {
    const read = await readKey(a, env, ['auth']);
    return 'problem' in read ? read : { auth: { type: 'hmac-sha256', key: read.key }, ...(read.warning ? { warning: read.warning } : {}) };
  }
  const ids = a.keys.map((k) => k.id);
  const twice = ids.findIndex((id, i) => ids.indexOf(id) !== i);
  if (twice >= 0) return { problem: { path: ['auth', 'keys', twice, 'id'], message: `key id ${ids[twice]} is given twice; each key needs an id of its own`, rule: 'auth-key' } };
  if (!ids.includes(a.active)) return { problem: { path: ['auth', 'active'], message: `active key ${a.active} is not among the keys (${ids.join(', ')})`, rule: 'auth-key' } };
  const keys: Buffer[] = [];
  let warning: Problem | undefined;
  for (const [i, source] of a.keys.entries()) {
    const read = await readKey(source, env, ['auth', 'keys', i]);
    if ('problem' in read) return read;
    keys.push(read.key);
    warning ??= read.warning;
  }
  const key = keys[ids.indexOf(a.active)] as Buffer;
  return { auth: { type: 'hmac-sha256', key, accepted: keys, ids: { active: a.active, all: ids } }, ...(warning ? { warning } : {}) };
}

/** One key, from its file or its environment variable, trimmed and long enough. */
async function readKey(source: { key_file?: string; key_env?: string }, env: NodeJS.ProcessEnv, path: (string | number)[]): Promise<{ key: Buffer; warning?: Problem } | { problem: Problem }> {
  const fail = (message: string) => ({ problem: { path, message, rule: 'auth-key' } });
  let key: Buffer;
  let warning: Problem | undefined;
  if (source.key_file !== undefined) {
    const file = source.key_file;
    try {
      key = await readFile(file);
      const mode = (await stat(file)).mode;
      if (mode & 0o077) warning = { path, message: `key file ${file} is readable by others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`, rule: 'auth-key-mode' };
    } catch (err) {
      return fail(`cannot read key file: ${(err as Error).message}; create one with: head -c 32 /dev/urandom | base64 > ${file}; chmod 600 ${file}`);
    }
  } else {
    const name = source.key_env as string;
    const value = env[name];
    if (value === undefined) return fail(`environment variable ${name} is not set`);
    key = Buffer.from(value);
  }
  key = trimEnd(key);
  if (key.length < MIN_KEY_BYTES) return fail(`the key is ${key.length} bytes; it must be at least ${MIN_KEY_BYTES}`);
  return { key, ...(warning ? { warning } : {}) };
}

/** Drops a trailing newline and spaces, as editors and `echo` add them. */
function trimEnd(buf: Buffer): Buffer {
  let end = buf.length;
  while (end > 0 && [0x0a, 0x0d, 0x20, 0x09].includes(buf[end - 1] as number)) end--;
  return buf.subarray(0, end);
}

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { loadConfig } from '../../../src/config/load.js';

const INSTANCE = 'instances:\n  - { name: VI_1, interface: eth0, vrid: 51, priority: 100, vips: [192.0.2.100/24] }\n';

describe('several advert keys', () => {
  let dir: string;
  const file = (name: string) => path.join(dir, name);
  const load = async (auth: string, env: NodeJS.ProcessEnv = {}) => {
    await writeFile(file('t.yaml'), `auth:\n${auth}\n${INSTANCE}`);
    return loadConfig(file('t.yaml'), env);
  };
  const problems = (auth: string, env: NodeJS.ProcessEnv = {}) =>
    load(auth, env).then(
      () => [],
      (err: unknown) => (err instanceof ConfigError ? err.issues.map((i) => `${i.line}:${i.column} ${i.message}`) : [String(err)]),
    );

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-keys-'));
    await writeFile(file('old'), 'the old key, long enough for us\n', { mode: 0o600 });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads every key; the active one signs, all are accepted', async () => {
    const { auth } = await load(`  keys:\n    - { id: 1, key_file: ${file('old')} }\n    - { id: 2, key_env: NEW_KEY }\n  active: 2`, { NEW_KEY: 'the new key, also long enough' });
    expect(auth.type === 'hmac-sha256' && auth.key.toString()).toBe('the new key, also long enough');
    expect(auth.type === 'hmac-sha256' && auth.accepted?.map(String)).toEqual(['the old key, long enough for us', 'the new key, also long enough']);
    expect(auth.type === 'hmac-sha256' && auth.ids).toEqual({ active: 2, all: [1, 2] });
  });

  it('refuses an active key that is not among them, an id given twice, and a key too short, each where it is', async () => {
    expect(await problems(`  keys:\n    - { id: 1, key_file: ${file('old')} }\n  active: 3`)).toEqual(['4:11 active key 3 is not among the keys (1)']);
    expect(await problems(`  keys:\n    - { id: 1, key_file: ${file('old')} }\n    - { id: 1, key_env: K }\n  active: 1`, { K: 'another key, long enough' })).toEqual([
      '4:13 key id 1 is given twice; each key needs an id of its own',
    ]);
    expect(await problems(`  keys:\n    - { id: 1, key_file: ${file('old')} }\n    - { id: 2, key_env: K }\n  active: 1`, { K: 'short' })).toEqual(['4:7 the key is 5 bytes; it must be at least 16']);
  });
});

import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';

describe('secret files', () => {
  let dir: string;
  const file = (name: string) => path.join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-secrets-'));
    await writeFile(file('key'), 'a key of thirty-two bytes, or so\n');
    await writeFile(file('pw'), 'secret\n');
    await writeFile(
      file('t.yaml'),
      `auth: { key_file: ${file('key')} }
instances:
  - { name: VI_1, interface: eth0, vrid: 51, priority: 100, vips: [192.0.2.100/24] }
virtual_services:
  - name: db
    protocol: tcp
    address: 192.0.2.100
    port: 3306
    check: { type: mysql, user: tandem, password_file: ${file('pw')} }
    real_servers: [{ address: 10.0.0.1, port: 3306 }]
`,
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('warns about a key file and a password file others can read, with their lines', async () => {
    await chmod(file('key'), 0o644);
    await chmod(file('pw'), 0o604);
    const { warnings } = await loadConfig(file('t.yaml'));
    expect(warnings.map((w) => [w.rule, w.line, w.message])).toEqual([
      ['auth-key-mode', 1, `key file ${file('key')} is readable by others (mode 644); chmod 600 it`],
      ['secret-mode', 9, `password file ${file('pw')} is readable by others (mode 604); chmod 600 it`],
    ]);
  });

  it('says nothing of files only their owner reads', async () => {
    await chmod(file('key'), 0o600);
    await chmod(file('pw'), 0o600);
    expect((await loadConfig(file('t.yaml'))).warnings).toEqual([]);
  });
});

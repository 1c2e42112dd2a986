import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { findProgram } from '../../../src/config/programs.js';

describe('programs a config runs', () => {
  let dir: string;
  const file = (name: string) => path.join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-programs-'));
    await writeFile(file('ok.sh'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    await writeFile(file('plain.sh'), '#!/bin/sh\nexit 0\n');
    await chmod(file('plain.sh'), 0o644);
    await writeFile(
      file('t.yaml'),
      `auth: none
scripts:
  found: { command: [sh, -c, 'exit 0'] }
  absent: { command: [${file('absent.sh')}] }
instances:
  - { name: VI_1, interface: eth0, vrid: 51, priority: 100, vips: [192.0.2.100/24], track_scripts: [found, absent] }
virtual_services:
  - protocol: tcp
    address: 192.0.2.100
    port: 80
    check: { type: script, command: [${file('ok.sh')}] }
    real_servers:
      - { address: 10.0.0.1, port: 80 }
      - { address: 10.0.0.2, port: 80, check: { type: script, command: [${file('plain.sh')}, arg] } }
`,
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('finds a program by its path or on PATH, and only when it is executable', async () => {
    expect(await findProgram('sh')).toMatch(/\/sh$/);
    expect(await findProgram(file('ok.sh'))).toBe(file('ok.sh'));
    expect(await findProgram(file('plain.sh'))).toBeUndefined();
    expect(await findProgram('tandem-no-such-program-here')).toBeUndefined();
  });

  it('warns, with its line, of a script or script check whose program cannot be run', async () => {
    const { warnings } = await loadConfig(file('t.yaml'));
    expect(warnings.filter((w) => w.rule === 'program').map((w) => [w.line, w.message])).toEqual([
      [4, `${file('absent.sh')} cannot be run here (not found, or not executable): the script fails every time, as if what it tracks were down`],
      [
        14,
        `${file('plain.sh')} cannot be run here (not found, or not executable): the check fails every time and its real servers stay out (Keepalived would disable the check and keep them in)`,
      ],
    ]);
  });
});

import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import { checkTools } from '../../../src/net/tools.js';

const config = (vips: string) => parseConfig(`auth: none\ninstances:\n  - { name: VI_1, interface: eth0, vrid: 51, priority: 100, vips: [${vips}] }\n`, 't.yaml').config;

describe('the programs a takeover needs', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-tools-'));
    await writeFile(path.join(dir, 'ip'), '#!/bin/sh\n');
    await chmod(path.join(dir, 'ip'), 0o755);
    await writeFile(path.join(dir, 'arping'), '#!/bin/sh\n'); // present but not executable
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('refuses to start without arping for IPv4 VIPs, saying which package has it', async () => {
    await expect(checkTools(config('192.0.2.100/24'), dir)).rejects.toThrow(
      'arping is not installed (needed to announce IPv4 VIPs after a takeover (without it, clients keep the old MAC for minutes)): apt-get install iputils-arping',
    );
  });

  it('needs no arping for IPv6 VIPs (the kernel announces them)', async () => {
    await expect(checkTools(config('2001:db8::100/64'), dir)).resolves.toBeUndefined();
  });

  it('refuses to start without iptables when a sync daemon has a takeover grace, and names the way out', async () => {
    const synced = (grace: number) =>
      parseConfig(`auth: none\ninstances:\n  - { name: VI_1, interface: eth0, vrid: 51, priority: 100, vips: [2001:db8::100/64] }\nipvs: { sync_daemon: { interface: eth1, takeover_grace: ${grace} } }\n`, 't.yaml').config;
    await expect(checkTools(synced(4), dir)).rejects.toThrow('iptables-restore is not installed (needed for the takeover grace (or set ipvs.sync_daemon.takeover_grace: 0)): apt-get install iptables');
    await expect(checkTools(synced(0), dir)).resolves.toBeUndefined();
  });

  it('refuses to start without ip', async () => {
    await expect(checkTools(config('2001:db8::100/64'), path.join(dir, 'none'))).rejects.toThrow('ip is not installed (needed to add and remove the VIPs): apt-get install iproute2');
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import { desiredTable } from '../../../src/ipvs/desired.js';
import { proxiedPart } from '../../../src/proxy/haproxy-config.js';
import { HaproxyProxy } from '../../../src/proxy/haproxy.js';

describe('HAProxy, run by tandem', () => {
  it('says so in status when it is not installed, and carries nothing', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-proxy-'));
    try {
      const config = parseConfig(
        'auth: none\nvirtual_services:\n  - { protocol: tcp, address: 192.0.2.1, port: 80, client_address: { proxy_protocol: 2 }, real_servers: [{ address: 10.0.0.1, port: 80, method: fullnat }] }\n',
        't.yaml',
      ).config;
      const proxy = new HaproxyProxy({ dir, log: pino({ level: 'silent' }), command: '/nonexistent/haproxy' });
      await proxy.configure(proxiedPart(config.virtual_services, desiredTable(config.virtual_services)));
      expect(proxy.status()).toMatchObject({ pid: null, services: 0 });
      expect(proxy.status().lastError).toBe(
        '/nonexistent/haproxy is not installed (apt-get install haproxy): the 1 service(s) whose client address is passed on are not carried; trying again every 5 s',
      );
      await proxy.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

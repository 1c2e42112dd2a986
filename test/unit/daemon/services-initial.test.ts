import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import { parseConfig } from '../../../src/config/parse.js';
import { ServiceSupervisor } from '../../../src/daemon/services.js';
import type { VirtualService } from '../../../src/ipvs/model.js';

// Found by running Keepalived's keepalived.conf.quorum side by side with its import: the first
// table, made before the checks started, held every `alpha` server, and nothing took them out
// while their checks kept failing (a failure does not change a server that starts down).

const config = (initially: 'up' | 'down') =>
  parseConfig(
    `auth: none
virtual_services:
  - protocol: tcp
    address: 192.0.2.100
    port: 80
    check: { type: tcp, initially: ${initially} }
    real_servers:
      - { address: 10.0.0.1, port: 80 }
      - { address: 10.0.0.2, port: 80, check: { type: tcp } }
`,
    't.yaml',
  ).config;

async function firstTables(initially: 'up' | 'down'): Promise<string[][]> {
  const tables: VirtualService[][] = [];
  const supervisor = new ServiceSupervisor(config(initially), {
    log: pino({ level: 'silent' }),
    state: { readDrains: async () => [], writeDrains: async () => undefined },
    clock: systemClock,
    onTable: (t) => void tables.push(t),
    onQuorum: () => undefined,
    // Checks that never answer: every table below is made without a check result.
    monitor: { build: async () => () => new Promise(() => undefined) },
  });
  const servers = (t: VirtualService[]) => t.flatMap((vs) => vs.realServers.map((rs) => rs.address));
  await supervisor.start();
  // The table the director applies at boot, then the one the supervisor sends once it has run.
  const atBoot = servers(supervisor.table());
  await new Promise((r) => setImmediate(r));
  const sent = tables.map(servers);
  supervisor.stop();
  return [atBoot, ...sent];
}

describe('the first table, before any check has answered', () => {
  it('keeps out the servers whose check starts them down (alpha), and only those', async () => {
    const down = await firstTables('down');
    expect(down.length).toBeGreaterThanOrEqual(2);
    for (const t of down) expect(t).toEqual(['10.0.0.2']);
    for (const t of await firstTables('up')) expect(t).toEqual(['10.0.0.1', '10.0.0.2']);
  });
});

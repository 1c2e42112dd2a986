import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import { parseConfig } from '../../../src/config/parse.js';
import type { ServicesSnapshot } from '../../../src/daemon/services-side.js';
import { LocalServicesSide } from '../../../src/daemon/services-side.js';
import type { IpvsDriver } from '../../../src/ipvs/driver.js';

const config = parseConfig(
  `auth: none
instances:
  - { name: VI_1, interface: eth0, vrid: 51, priority: 150, vips: [192.0.2.100/24] }
virtual_services:
  - name: web
    protocol: tcp
    address: 192.0.2.100
    port: 80
    check: { type: tcp }
    real_servers:
      - { address: 10.0.0.1, port: 80 }
`,
  't.yaml',
).config;

const ipvs: IpvsDriver = {
  read: async () => [],
  applyBatch: async () => undefined,
  applyOne: async () => undefined,
  setTimeouts: async () => undefined,
  startSyncDaemon: async () => undefined,
  stopSyncDaemon: async () => undefined,
  syncDaemons: async () => [],
};

describe('the services side, asked for its status', () => {
  it('answers while it starts (no service evaluated yet), and shows the service once it is', async () => {
    let release = () => undefined as void;
    const drainsRead = new Promise<void>((resolve) => (release = resolve));
    const side = new LocalServicesSide({
      log: pino({ level: 'silent' }),
      clock: systemClock,
      store: { readDrains: async () => (await drainsRead, []), writeDrains: async () => undefined },
      ipvs,
      hooks: { run: () => undefined, drain: async () => undefined },
      alerts: { send: () => undefined, drain: async () => undefined },
      dryRun: true,
      buildCheck: async () => async () => ({ ok: true, message: 'up' }),
      onQuorum: () => undefined,
    });
    const starting = side.start(config);
    const status = async () => JSON.parse(Buffer.from(await side.status()).toString('utf8')) as ServicesSnapshot;
    expect((await status()).services).toEqual([]);
    release();
    await starting;
    expect((await status()).services.map((s) => s.service)).toEqual(['web']);
    await side.stopChecks();
    await side.stop();
  });
});

describe('a NAT service on a kernel that does not forward', () => {
  const side = (forwards: boolean) =>
    new LocalServicesSide({
      log: pino({ level: 'silent' }),
      clock: systemClock,
      store: { readDrains: async () => [], writeDrains: async () => undefined },
      ipvs,
      hooks: { run: () => undefined, drain: async () => undefined },
      alerts: { send: () => undefined, drain: async () => undefined },
      dryRun: false,
      buildCheck: async () => async () => ({ ok: true, message: 'up' }),
      forwarding: async () => forwards,
      onQuorum: () => undefined,
    });

  it('is said in status (its replies would be dropped), and not once the kernel forwards', async () => {
    for (const [forwards, warning] of [
      [false, 'NAT services, but net.ipv4.ip_forward is 0: their replies are dropped'],
      [true, undefined],
    ] as const) {
      const s = side(forwards);
      await s.start(config);
      const status = JSON.parse(Buffer.from(await s.status()).toString('utf8')) as ServicesSnapshot;
      expect((status.ipvs as { warning?: string } | null)?.warning).toBe(warning);
      await s.stopChecks();
      await s.stop();
    }
  });
});

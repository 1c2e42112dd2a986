import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import type { Vip } from '../../../src/config/vip.js';
import { ClusterAnnounce } from '../../../src/daemon/cluster-announce.js';
import type { VipManager } from '../../../src/net/vips.js';
import { FakeClock } from '../check/fake-clock.js';

const config = parseConfig(
  `auth: none
announce: { bird: { file: /etc/bird/tandem.conf } }
virtual_services:
  - { name: web, protocol: tcp, address: 203.0.113.100, port: 80, real_servers: [{ address: 198.51.100.11, port: 80, method: dr }] }
  - { name: dns, protocol: udp, address: 203.0.113.53, port: 53, real_servers: [{ address: 198.51.100.11, port: 53, method: dr }] }
`,
  't.yaml',
).config;

/** Every call to the speaker and to the interface, in order. */
function harness(fail = 0) {
  const calls: string[] = [];
  let failures = fail;
  const quorum = new Map([['web', true], ['dns', true]]);
  const vips: VipManager = {
    add: async (iface: string, v: Vip[]) => void calls.push(`add ${iface} ${v.map((x) => `${x.address}/${x.prefix}`).join(' ')}`),
    remove: async (iface: string, v: Vip[]) => void calls.push(`remove ${iface} ${v.map((x) => x.address).join(' ')}`),
    list: async () => [],
    close: () => undefined,
  };
  const clock = new FakeClock();
  const cluster = new ClusterAnnounce({
    announcer: {
      announce: async (addresses) => {
        if (failures > 0) {
          failures -= 1;
          throw new Error('birdc: no BIRD');
        }
        calls.push(`announce [${addresses.join(' ')}]`);
      },
    },
    vips,
    log: pino({ level: 'silent' }),
    clock,
    config: () => config,
    hasQuorum: (service) => quorum.get(service) ?? false,
  });
  return { calls, quorum, cluster, clock };
}

describe('cluster mode\'s announcer', () => {
  it('puts the addresses on lo, then announces those with quorum; follows the quorum; withdraws before it takes them off at stop', async () => {
    const { calls, quorum, cluster } = harness();
    await cluster.start();
    quorum.set('dns', false);
    await cluster.update();
    await cluster.update();
    await cluster.setDrained(true);
    await cluster.setDrained(false);
    await cluster.stop();
    expect(calls).toEqual([
      'add lo 203.0.113.100/32 203.0.113.53/32',
      'announce [203.0.113.100 203.0.113.53]',
      'announce [203.0.113.100]',
      'announce [203.0.113.100]',
      'announce []',
      'announce [203.0.113.100]',
      'announce []',
      'remove lo 203.0.113.100 203.0.113.53',
    ]);
    expect(cluster.status()).toEqual({ addresses: [], announced: [], drained: false, lastError: null });
  });

  it('keeps a speaker failure in status and tries again 5 s later', async () => {
    const { calls, cluster, clock } = harness(1);
    await cluster.start();
    expect(cluster.status()).toMatchObject({ announced: [], lastError: 'birdc: no BIRD' });
    await clock.advanceTo(4999);
    expect(calls).toEqual(['add lo 203.0.113.100/32 203.0.113.53/32']);
    await clock.advanceTo(5000);
    expect(calls.at(-1)).toBe('announce [203.0.113.100 203.0.113.53]');
    expect(cluster.status()).toMatchObject({ announced: ['203.0.113.100', '203.0.113.53'], lastError: null });
  });
});

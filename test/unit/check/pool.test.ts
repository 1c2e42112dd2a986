import { describe, expect, it } from 'vitest';
import { isDrained, parseDrainKey } from '../../../src/check/drain-key.js';
import { evaluateServices } from '../../../src/check/evaluate.js';
import { parseStatusList } from '../../../src/check/http-expect.js';
import type { ServerState } from '../../../src/check/pool.js';
import { placeServer, quorumStep } from '../../../src/check/pool.js';
import { parseConfig } from '../../../src/config/parse.js';
import { desiredTable } from '../../../src/ipvs/desired.js';

const up: ServerState = { healthy: true, drained: false };
const down: ServerState = { healthy: false, drained: false };

describe('placing servers', () => {
  it.each([
    ['healthy', up, false, { include: true, weight: 5 }],
    ['failed', down, false, { include: false, weight: 0 }],
    ['failed, inhibit_on_failure', down, true, { include: true, weight: 0 }],
    ['drained', { healthy: true, drained: true }, false, { include: true, weight: 0 }],
    ['dynamic weight', { healthy: true, drained: false, weight: 9 }, false, { include: true, weight: 9 }],
  ] as const)('%s', (_name, state, keepOnFailure, want) => {
    expect(placeServer({ weight: 5, keepOnFailure, state })).toEqual(want);
  });

  it('keeps a failed server of a Maglev service with mh-fallback in place at weight 0, and only then', () => {
    const service = (scheduler: string, flags: string[]) => `auth: none
virtual_services:
  - { protocol: tcp, address: 192.0.2.10, port: 80, scheduler: ${scheduler}, scheduler_flags: [${flags.join(', ')}],
      real_servers: [{ address: 10.0.0.1, port: 80 }, { address: 10.0.0.2, port: 80 }] }
`;
    const placements = (scheduler: string, flags: string[]) => {
      const { config } = parseConfig(service(scheduler, flags), 'pool.yaml');
      const [evaluation] = evaluateServices(config.virtual_services, (_vs, rs) => (rs.address === '10.0.0.1' ? down : up), new Map());
      return evaluation?.view.placements;
    };
    const kept = [{ include: true, weight: 0 }, { include: true, weight: 1 }];
    const removed = [{ include: false, weight: 0 }, { include: true, weight: 1 }];
    expect(placements('mh', ['mh-fallback'])).toEqual(kept);
    expect(placements('mh', ['mh-port', 'flag-1'])).toEqual(kept);
    expect(placements('mh', ['mh-port'])).toEqual(removed);
    expect(placements('sh', ['sh-fallback'])).toEqual(removed);
    expect(placements('wlc', [])).toEqual(removed);
  });

  it('applies quorum with hysteresis', () => {
    // quorum 4, hysteresis 1: lost below 3, regained at 5.
    const steps = [4, 3, 2, 3, 4, 5, 4].reduce<boolean[]>((acc, w) => [...acc, quorumStep(acc.at(-1), w, 4, 1)], []);
    expect(steps).toEqual([true, true, false, false, false, true, true]);
    expect(quorumStep(undefined, 3, 4, 1)).toBe(false);
  });

  it('parses status lists', () => {
    expect(parseStatusList(undefined)).toEqual([[200, 299]]);
    expect(parseStatusList([200, '301-302'])).toEqual([[200, 200], [301, 302]]);
  });
});

describe('drain names', () => {
  it.each([
    ['192.0.2.10:80', '192.0.2.10:80'],
    ['192.0.2.10', '192.0.2.10'],
    ['[2001:db8::0001]:443', '[2001:db8::1]:443'],
    ['2001:DB8::1', '2001:db8::1'],
  ])('%s -> %s', (text, key) => expect(parseDrainKey(text)).toEqual({ key }));

  it.each(['web1', '192.0.2.10:0', '192.0.2.10:99999', '300.0.0.1:80'])('refuses %s', (text) => expect(parseDrainKey(text)).toHaveProperty('error'));

  it('covers a server by address and port, or by address alone', () => {
    expect(isDrained(new Set(['192.0.2.10:80']), '192.0.2.10', 80)).toBe(true);
    expect(isDrained(new Set(['192.0.2.10:80']), '192.0.2.10', 443)).toBe(false);
    expect(isDrained(new Set(['192.0.2.10']), '192.0.2.10', 443)).toBe(true);
    expect(isDrained(new Set(['[2001:db8::1]:80']), '2001:db8:0::1', 80)).toBe(true);
  });
});

describe('the table from health', () => {
  const config = parseConfig(
    `auth: none
instances: [{ name: a, interface: eth0, vrid: 1, priority: 100, vips: [192.0.2.1] }]
virtual_services:
  - name: web
    protocol: tcp
    address: 192.0.2.1
    port: 80
    scheduler: wrr
    quorum: 3
    real_servers:
      - { address: 10.0.0.1, port: 8080, weight: 2 }
      - { address: 10.0.0.2, port: 8080, weight: 2, inhibit_on_failure: true }
    sorry_server: { address: 10.0.0.9, port: 8080 }
`,
    't.yaml',
  ).config;
  const servers = (states: ServerState[], previous = new Map<string, boolean>()) => {
    const ev = evaluateServices(config.virtual_services, (_vs, rs) => states[config.virtual_services[0]?.real_servers.indexOf(rs) ?? 0] as ServerState, previous);
    const table = desiredTable(config.virtual_services, (_vs, i) => (ev[i] ?? ev[0])!.view);
    return { ev: ev[0], rs: table[0]?.realServers.map((r) => `${r.address}:${r.port} w${r.weight}`) };
  };

  it('keeps everyone in while the quorum holds', () => {
    expect(servers([up, up])).toEqual({ ev: expect.objectContaining({ name: 'web', healthyWeight: 4, up: true }), rs: ['10.0.0.1:8080 w2', '10.0.0.2:8080 w2'] });
  });

  it('below quorum: the sorry server takes new connections, the servers left keep theirs at weight 0', () => {
    expect(servers([up, down])).toEqual({ ev: expect.objectContaining({ healthyWeight: 2, up: false }), rs: ['10.0.0.1:8080 w0', '10.0.0.2:8080 w0', '10.0.0.9:8080 w1'] });
    expect(servers([down, down]).rs).toEqual(['10.0.0.2:8080 w0', '10.0.0.9:8080 w1']);
  });

  it('a drained server keeps its place with weight 0 and does not count for quorum', () => {
    expect(servers([{ healthy: true, drained: true }, up]).ev?.healthyWeight).toBe(2);
  });
});

import { describe, expect, it } from 'vitest';
import { diffConfigs } from '../../../src/config/diff.js';
import { parseConfig } from '../../../src/config/parse.js';
import { createMachine, step } from '../../../src/vrrp/machine.js';

const base = `auth: none
scripts:
  chk: { command: [/bin/true] }
instances:
  - { name: VI_1, interface: eth0, vrid: 51, priority: 150, advert_interval: 0.1, vips: [192.0.2.100/24], track_scripts: [chk] }
  - { name: VI_2, interface: eth1, vrid: 52, priority: 150, vips: [198.51.100.1/24] }
virtual_services:
  - name: web
    protocol: tcp
    address: 192.0.2.100
    port: 80
    check: { type: tcp }
    real_servers:
      - { address: 10.0.0.1, port: 80, weight: 1 }
      - { address: 10.0.0.2, port: 80, weight: 1 }
`;
const parse = (text: string) => parseConfig(text, 't.yaml').config;
const diff = (edit: (t: string) => string) => diffConfigs(parse(base), parse(edit(base)));

describe('config diff', () => {
  it.each([
    ['nothing', (t: string) => t, []],
    ['a weight', (t: string) => t.replace('10.0.0.1, port: 80, weight: 1', '10.0.0.1, port: 80, weight: 5'), ['service web: 10.0.0.1:80 weight 1 -> 5']],
    ['a VIP added', (t: string) => t.replace('vips: [192.0.2.100/24]', 'vips: [192.0.2.100/24, 192.0.2.101/24]'), ['instance VI_1: VIPs +192.0.2.101/24']],
    ['a priority', (t: string) => t.replace('vrid: 52, priority: 150', 'vrid: 52, priority: 120'), ['instance VI_2: priority 150 -> 120']],
    ['the advert interval', (t: string) => t.replace('advert_interval: 0.1', 'advert_interval: 0.2'), ['instance VI_1 restarted: advert_interval 0.1 -> 0.2']],
    ['owner priority', (t: string) => t.replace('vrid: 52, priority: 150', 'vrid: 52, priority: 255'), ['instance VI_2 restarted: priority 150 -> 255 (address owner)']],
    ['a real server added', (t: string) => `${t}      - { address: 10.0.0.3, port: 80 }\n`, ['service web: real server 10.0.0.3:80 added']],
    // Thousands of servers make one line of counts, not thousands of lines.
    ['many real servers', (t: string) => t.replace('weight: 1 }\n      - { address: 10.0.0.2, port: 80, weight: 1 }', 'weight: 2 }') + Array.from({ length: 30 }, (_, i) => `      - { address: 10.0.1.${i}, port: 80 }\n`).join(''), ['service web: 30 real servers added, 1 removed, 1 changed']],
    ['the check', (t: string) => t.replace('check: { type: tcp }', 'check: { type: http, path: /h }'), ['service web: check changed']],
    ['a script', (t: string) => t.replace('[/bin/true]', '[/bin/false]'), ['script chk changed']],
    ['an instance removed', (t: string) => t.replace(/ {2}- \{ name: VI_2.*\n/, ''), ['instance VI_2 removed']],
    ['the transport', (t: string) => `${t}transport: { port: 5799 }\n`, ['transport changed (only a restart applies it)']],
    // The transport opens senders and joins the group at run time: no restart for these.
    ['an interface move', (t: string) => t.replace('interface: eth1, vrid: 52', 'interface: eth2, vrid: 52'), ['instance VI_2 moved: interface eth1 -> eth2']],
    ['multicast to unicast', (t: string) => t.replace('vips: [198.51.100.1/24] }', 'vips: [198.51.100.1/24], unicast_peers: [198.51.100.3] }'), ['instance VI_2: unicast_peers']],
    ['a multicast instance added', (t: string) => t.replace('virtual_services:', '  - { name: VI_3, interface: eth2, vrid: 53, priority: 100, vips: [203.0.113.1/24] }\nvirtual_services:'), ['instance VI_3 added']],
  ])('%s', (_name, edit, summary) => {
    expect(diff(edit).summary).toEqual(summary);
  });

  it('applies a new takeover grace by reload, and the rest of the sync daemon by restart', () => {
    const synced = `${base}ipvs: { sync_daemon: { interface: eth1 } }\n`;
    const grace = diffConfigs(parse(synced), parse(synced.replace('eth1 }', 'eth1, takeover_grace: 1 }')));
    expect(grace.needsRestart).toEqual([]);
    expect(grace.summary).toEqual(['ipvs.sync_daemon changed']);
    expect(diffConfigs(parse(synced), parse(synced.replace('eth1 }', 'eth1, sync_id: 9 }'))).needsRestart).toEqual(['ipvs.sync_daemon']);
  });

  it('sorts instances into added, removed, restarted and reconfigured', () => {
    const d = diff((t) => t.replace('advert_interval: 0.1', 'advert_interval: 0.2').replace('vrid: 52, priority: 150', 'vrid: 52, priority: 140'));
    expect(d.instances).toEqual({
      added: [],
      removed: [],
      restarted: [{ name: 'VI_1', changes: ['advert_interval 0.1 -> 0.2'] }],
      moved: [],
      reconfigured: [{ name: 'VI_2', changes: ['priority 150 -> 140'] }],
    });
  });
});

describe('machine: a reload\'s configure event', () => {
  const params = { vrid: 1, address: '192.0.2.1', priority: 150, intervalCs: 10, preempt: true, preemptDelayMs: 0, vips: ['192.0.2.100'] };

  it('lets a master add and remove just the changed VIPs, keeping its state and timers', () => {
    const master = step(createMachine({ ...params, priority: 255 }), { type: 'start' }, 0).machine;
    expect(master.state).toBe('MASTER');
    const { machine, actions } = step(master, { type: 'configure', preempt: true, preemptDelayMs: 0, vips: ['192.0.2.101', '192.0.2.100', '192.0.2.102'] }, 5);
    expect(actions).toEqual([
      { type: 'changeVips', add: ['192.0.2.101', '192.0.2.102'], remove: [] },
      { type: 'send', kind: 'master', priority: 255 },
    ]);
    expect(machine.state).toBe('MASTER');
    expect(machine.advertAt).toBe(master.advertAt);
    expect(step(machine, { type: 'configure', preempt: true, preemptDelayMs: 0, vips: ['192.0.2.102'] }, 6).actions[0]).toEqual({
      type: 'changeVips',
      add: [],
      remove: ['192.0.2.100', '192.0.2.101'],
    });
  });

  it('only records the new VIPs on a backup', () => {
    const backup = step(createMachine(params), { type: 'start' }, 0).machine;
    const { machine, actions } = step(backup, { type: 'configure', preempt: false, preemptDelayMs: 1000, vips: ['192.0.2.101'] }, 1);
    expect(actions).toEqual([]);
    expect(machine.params).toMatchObject({ preempt: false, preemptDelayMs: 1000, vips: ['192.0.2.101'] });
    expect(machine.masterDownAt).toBe(backup.masterDownAt);
  });
});

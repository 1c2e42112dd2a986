import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import type { InstanceConfig } from '../../../src/config/schema.js';
import { InstanceRunner } from '../../../src/daemon/instance.js';
import { trackInstances, trackedInterfaces } from '../../../src/daemon/tracking.js';
import type { TrackingInputs } from '../../../src/daemon/tracking.js';
import { FakeClock } from '../check/fake-clock.js';

/*
 * VIPs on another interface than the instance's (`ADDRESS dev IF`): each goes on its own
 * interface and is announced there; a reload that moves one adds it at its new place before it
 * leaves the old one; the other interface's link is tracked unless the VIP says no_track.
 */
function instance(vips: string[], extra = ''): InstanceConfig {
  const text = `auth: none\ninstances:\n  - { name: VI_1, interface: eth0, vrid: 51, priority: 150, advert_interval: 0.1, vips: ${JSON.stringify(vips)}${extra} }\n`;
  return parseConfig(text, 't.yaml').config.instances[0] as InstanceConfig;
}

function master(config: InstanceConfig): { runner: InstanceRunner; clock: FakeClock; events: string[] } {
  const events: string[] = [];
  const clock = new FakeClock();
  const list = (vips: { address: string }[]) => vips.map((v) => v.address).join(',');
  const runner = new InstanceRunner(config, '192.0.2.1', {
    transport: { send: () => undefined },
    vips: {
      add: async (iface, vips) => void events.push(`add ${iface} ${list(vips)}`),
      remove: async (iface, vips) => void events.push(`remove ${iface} ${list(vips)}`),
      list: async () => [],
      close: () => undefined,
      prepare: (iface) => void events.push(`prepare ${iface}`),
    },
    ipObjects: {
      add: async (kind, specs) => void (specs.length && events.push(`add ${kind} ${specs.map((s) => s.join(' ')).join(', ')}`)),
      remove: async (kind, specs) => void (specs.length && events.push(`remove ${kind} ${specs.map((s) => s.join(' ')).join(', ')}`)),
    },
    announcer: {
      announce: (iface, vips) => (events.push(`garp ${iface} ${list(vips)}`), { done: Promise.resolve() }),
      prepare: () => undefined,
      close: () => undefined,
    },
    hooks: { run: () => undefined, drain: async () => undefined },
    auth: { type: 'none' },
    epoch: 1,
    garp: { repeat: 1, delayMs: 0, refreshMs: 0, refreshRepeat: 1, spacingMs: 0 },
    log: pino({ level: 'silent' }),
    clock,
    onTransition: () => undefined,
  });
  return { runner, clock, events };
}

describe('VIPs on other interfaces', () => {
  it('a master adds each VIP on its interface and announces it there; stopping removes them there', async () => {
    const { runner, clock, events } = master(instance(['192.0.2.100/24', '203.0.113.5/24 dev eth1', '203.0.113.6 dev eth1', '198.51.100.5 dev eth2 no_track']));
    runner.start();
    expect(events.splice(0)).toEqual(['prepare eth0', 'prepare eth1', 'prepare eth2']);
    await clock.advanceTo(1000);
    expect(runner.state).toBe('MASTER');
    expect(events.splice(0)).toEqual([
      'add eth0 192.0.2.100',
      'add eth1 203.0.113.5,203.0.113.6',
      'add eth2 198.51.100.5',
      'garp eth0 192.0.2.100',
      'garp eth1 203.0.113.5,203.0.113.6',
      'garp eth2 198.51.100.5',
    ]);
    expect(runner.status().vips).toEqual(['192.0.2.100/24', '203.0.113.5/24 dev eth1', '203.0.113.6/32 dev eth1', '198.51.100.5/32 dev eth2']);
    const stopped = runner.stop();
    await clock.advanceTo(5000);
    await stopped;
    expect(events).toEqual(['remove eth0 192.0.2.100', 'remove eth1 203.0.113.5,203.0.113.6', 'remove eth2 198.51.100.5']);
  });

  it("a reload that changes a VIP's dev moves it (added at the new place first), and one that drops a VIP removes it where it was", async () => {
    const { runner, clock, events } = master(instance(['192.0.2.100/24', '203.0.113.5/24 dev eth1', '198.51.100.5 dev eth2']));
    runner.start();
    await clock.advanceTo(1000);
    events.splice(0);
    runner.reconfigure(instance(['192.0.2.100/24', '203.0.113.5/24']));
    await clock.advanceTo(1100);
    expect(events).toEqual(['prepare eth0', 'add eth0 203.0.113.5', 'remove eth1 203.0.113.5', 'garp eth0 203.0.113.5', 'remove eth2 198.51.100.5']);
  });

  it('an instance moved to another interface takes the VIPs without a dev along, and leaves those with one', async () => {
    const { runner, clock, events } = master(instance(['192.0.2.100/24', '203.0.113.5/24 dev eth1']));
    runner.start();
    await clock.advanceTo(1000);
    events.splice(0);
    const moved = instance(['192.0.2.100/24', '203.0.113.5/24 dev eth1']);
    runner.move({ ...moved, interface: 'eth3' }, '192.0.2.1');
    await clock.advanceTo(1100);
    expect(events.filter((e) => !e.startsWith('prepare'))).toEqual(['add eth3 192.0.2.100', 'remove eth0 192.0.2.100', 'garp eth3 192.0.2.100']);
  });

  it('a master puts its routes and rules in place after its VIPs and their announcement, and takes them away before the VIPs; a reload changes just what changed', async () => {
    const extra = ', routes: ["10.9.0.0/16 via 192.0.2.254", "blackhole 10.8.0.0/16"], rules: ["from 192.0.2.100 table 100 priority 100"]';
    const { runner, clock, events } = master(instance(['192.0.2.100/24'], extra));
    runner.start();
    await clock.advanceTo(1000);
    // The gratuitous ARP (and the first master advert) does not wait for the routes.
    expect(events.filter((e) => !e.startsWith('prepare'))).toEqual([
      'add eth0 192.0.2.100',
      'garp eth0 192.0.2.100',
      'add route 10.9.0.0/16 via 192.0.2.254, blackhole 10.8.0.0/16',
      'add rule from 192.0.2.100 table 100 priority 100',
    ]);
    events.splice(0);
    runner.reconfigure(instance(['192.0.2.100/24'], ', routes: ["10.9.0.0/16 via 192.0.2.254", "10.7.0.0/16 via 192.0.2.253"], rules: ["from 192.0.2.100 table 100 priority 100"]'));
    await clock.advanceTo(1100);
    expect(events.filter((e) => !e.startsWith('prepare'))).toEqual(['remove route blackhole 10.8.0.0/16', 'add route 10.7.0.0/16 via 192.0.2.253']);
    events.splice(0);
    const stopped = runner.stop();
    await clock.advanceTo(5000);
    await stopped;
    expect(events).toEqual(['remove rule from 192.0.2.100 table 100 priority 100', 'remove route 10.9.0.0/16 via 192.0.2.254, 10.7.0.0/16 via 192.0.2.253', 'remove eth0 192.0.2.100']);
  });

  it("tracks a VIP's other interface as its own (FAULT when down), unless the VIP says no_track", () => {
    const inst = instance(['192.0.2.100/24', '203.0.113.5/24 dev eth1', '198.51.100.5 dev eth2 no_track', '198.51.100.6 dev eth0']);
    const config = parseConfig(`auth: none\ninstances: [{ name: VI_1, interface: eth0, vrid: 1, priority: 100 }]\n`, 't.yaml').config;
    const withInst = { ...config, instances: [inst] };
    expect(trackedInterfaces(withInst)).toEqual(['eth0', 'eth1']);
    const down = (name: string): TrackingInputs => ({
      linkDown: (iface) => (iface === name ? `${iface} is down` : undefined),
      scriptUp: () => true,
      fileValue: () => 0,
      hasQuorum: () => true,
    });
    expect(trackInstances(withInst, down('eth1')).get('VI_1')?.faults).toEqual(['eth1 is down']);
    expect(trackInstances(withInst, down('eth2')).get('VI_1')?.faults).toEqual([]);
  });
});

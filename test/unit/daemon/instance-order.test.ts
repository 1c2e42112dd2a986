import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import { parseConfig } from '../../../src/config/parse.js';
import { InstanceRunner } from '../../../src/daemon/instance.js';
import type { InstanceDeps } from '../../../src/daemon/instance.js';
import type { VipManager } from '../../../src/net/vips.js';
import type { Advert } from '../../../src/vrrp/advert.js';
import { decodeAdvert } from '../../../src/vrrp/codec.js';

const { config } = parseConfig(
  `auth: none
instances:
  - { name: VI_1, interface: eth0, vrid: 51, priority: 150, advert_interval: 0.1, vips: [192.0.2.100/24], notify: { any: [/bin/true] } }
`,
  't.yaml',
);

/** A runner of VI_1 that writes what it does to `events`; `deps` replaces some of its seams. */
function runnerWith(events: string[], deps: Partial<InstanceDeps>): InstanceRunner {
  return new InstanceRunner(config.instances[0] as (typeof config.instances)[number], '192.0.2.1', {
    // Backups advertise too (kind backup): only the master's adverts count here.
    transport: { send: (packet) => void events.push(`advert ${(decodeAdvert(packet, { type: 'none' }) as { advert: Advert }).advert.kind}`) },
    vips: { add: async () => void events.push('add'), remove: async () => void events.push('remove'), list: async () => [], close: () => undefined },
    announcer: { announce: () => (events.push('garp'), { done: Promise.resolve() }), prepare: () => undefined, close: () => undefined },
    hooks: { run: (argv) => void events.push(`hook ${argv.at(-2)}`), drain: async () => undefined },
    auth: { type: 'none' },
    epoch: 1,
    garp: { repeat: 1, delayMs: 0, refreshMs: 0, refreshRepeat: 1, spacingMs: 0 },
    log: pino({ level: 'silent' }),
    clock: systemClock,
    onTransition: () => undefined,
    ...deps,
  });
}

/*
 * What a new master does, in order, when its VIP add is slow (a second on a slow kernel): no
 * advert before the VIPs are up, since a leaving master lets go of its VIPs when it hears one,
 * and the notify hook after them. Order only: the add is held open for several intervals.
 */
describe('a new master whose VIP add is slow', () => {
  it('sends no advert and runs no hook before its VIPs are up', async () => {
    const events: string[] = [];
    let addDone = () => undefined as void;
    let addStarted = () => undefined as void;
    const started = new Promise<void>((resolve) => (addStarted = resolve));
    const vips: VipManager = {
      add: () => {
        events.push('add started');
        addStarted();
        return new Promise<void>((resolve) => (addDone = () => (events.push('add done'), resolve())));
      },
      remove: async () => void events.push('remove'),
      list: async () => [],
      close: () => undefined,
    };
    const runner = runnerWith(events, { vips });
    runner.start();
    await started;
    // Five advert intervals with the add still running.
    await new Promise((resolve) => setTimeout(resolve, 500));
    addDone();
    await new Promise((resolve) => setTimeout(resolve, 150));
    await runner.stop();
    const order = events.filter((e) => e !== 'garp');
    const upTo = order.indexOf('add done');
    expect(order.slice(0, upTo).filter((e) => e !== 'advert backup')).toEqual(['hook BACKUP', 'add started']);
    expect(order.slice(upTo, upTo + 3).sort()).toEqual(['add done', 'advert master', 'hook MASTER']);
  });

  it('opens the takeover grace for its VIPs as it adds them, and waits for the grace in nothing', async () => {
    const events: string[] = [];
    let graceStarted = () => undefined as void;
    const started = new Promise<void>((resolve) => (graceStarted = resolve));
    const runner = runnerWith(events, {
      // A grace that never opens (iptables hung on a slow kernel).
      openGrace: (vips) => {
        events.push(`grace ${vips.map((v) => v.address).join(',')}`);
        graceStarted();
        return new Promise<void>(() => undefined);
      },
    });
    runner.start();
    await started;
    await new Promise((resolve) => setTimeout(resolve, 300));
    await runner.stop();
    const order = events.filter((e) => e !== 'advert backup');
    expect(order.indexOf('grace 192.0.2.100')).toBeLessThan(order.indexOf('add'));
    expect(order.indexOf('add')).toBeLessThan(order.indexOf('garp'));
    expect(order).toContain('advert master');
  });
});

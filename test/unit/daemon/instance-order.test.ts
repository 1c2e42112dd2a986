import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import { parseConfig } from '../../../src/config/parse.js';
import { InstanceRunner } from '../../../src/daemon/instance.js';
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
    const runner = new InstanceRunner(config.instances[0] as (typeof config.instances)[number], '192.0.2.1', {
      // Backups advertise too (kind backup): only the master's adverts count here.
      transport: { send: (packet) => void events.push(`advert ${(decodeAdvert(packet, { type: 'none' }) as { advert: Advert }).advert.kind}`) },
      vips,
      announcer: { announce: () => ({ done: Promise.resolve() }), prepare: () => undefined, close: () => undefined },
      hooks: { run: (argv) => void events.push(`hook ${argv.at(-2)}`), drain: async () => undefined },
      auth: { type: 'none' },
      epoch: 1,
      garp: { repeat: 1, delayMs: 0, refreshMs: 0, refreshRepeat: 1, spacingMs: 0 },
      log: pino({ level: 'silent' }),
      clock: systemClock,
      onTransition: () => undefined,
    });
    runner.start();
    await started;
    // Five advert intervals with the add still running.
    await new Promise((resolve) => setTimeout(resolve, 500));
    addDone();
    await new Promise((resolve) => setTimeout(resolve, 150));
    await runner.stop();
    const upTo = events.indexOf('add done');
    expect(events.slice(0, upTo).filter((e) => e !== 'advert backup')).toEqual(['hook BACKUP', 'add started']);
    expect(events.slice(upTo, upTo + 3).sort()).toEqual(['add done', 'advert master', 'hook MASTER']);
  });
});

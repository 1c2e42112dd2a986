import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Vip } from '../../../src/config/vip.js';
import { parseVip } from '../../../src/config/vip.js';
import { GarpRounds } from '../../../src/daemon/garp-rounds.js';
import type { Announcer } from '../../../src/net/garp.js';
import { systemClock } from '../../../src/clock.js';

const VIPS = Array.from({ length: 25 }, (_, i) => parseVip(`192.0.2.${i + 1}/24`) as Vip);

/** An announcer that, like the arping one, listens to the signal once per VIP while it runs. */
class ListeningAnnouncer implements Announcer {
  listening = 0;
  announce(_iface: string, vips: Vip[], _repeat: number, signal: AbortSignal): { done: Promise<void> } {
    this.listening += vips.length;
    for (let i = 0; i < vips.length; i++) signal.addEventListener('abort', () => (this.listening -= 1), { once: true });
    return { done: Promise.resolve() };
  }
  prepare(): void {}
  close(): void {}
}

describe('gratuitous ARP rounds', () => {
  it('a master of 25 VIPs in two rounds raises no listener-leak warning, and cancelling ends every arping', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const announcer = new ListeningAnnouncer();
      const rounds = new GarpRounds({ announcer, clock: systemClock, garp: { repeat: 2, delayMs: 0, refreshMs: 0, refreshRepeat: 1, spacingMs: 0 } }, pino({ level: 'silent' }), () => [{ iface: 'eth0', vips: VIPS }]);
      await rounds.announce(2);
      await rounds.announce(2);
      expect(announcer.listening).toBe(50);
      await new Promise((r) => setImmediate(r));
      expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
      rounds.cancel();
      expect(announcer.listening).toBe(0);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

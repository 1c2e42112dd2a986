import type { Vip } from '../config/vip.js';
import { warmCommand } from './warm.js';
import type { Warm } from './warm.js';

/** The seam for announcing VIPs to the link's neighbours. */
export interface Announcer {
  /**
   * Starts announcing the VIPs: the first announcements are on their way when this returns;
   * `done` settles when the repeats are over. Aborting `signal` stops the repeats still to come.
   */
  announce(iface: string, vips: Vip[], repeat: number, signal: AbortSignal, spacingMs?: number): { done: Promise<void> };
  /** Prepares the fast path for VIPs that may be announced soon. */
  prepare(iface: string, vips: Vip[], repeat: number): void;
  close(): void;
}

/**
 * Gratuitous ARP with iputils `arping -U` (unsolicited: neighbours update their ARP caches),
 * one process per IPv4 VIP, forked ahead of time so a takeover pays no fork. arping sends its
 * first packet as it starts and the rest one second apart (it refuses intervals below 1 s),
 * which spreads the repeats over a lost packet or a slow switch. When the VIPs leave, the
 * processes are killed: a repeat sent after the move would point the neighbours back at this
 * director. IPv6 VIPs rely on the kernel's unsolicited neighbour advertisements (sysctl
 * net.ipv6.conf.IF.ndisc_notify=1).
 */
export class ArpingAnnouncer implements Announcer {
  private readonly warm = new Map<string, Warm>();

  private warmFor(iface: string, vip: Vip, repeat: number): Warm {
    const key = `${iface} ${vip.address} ${repeat}`;
    let w = this.warm.get(key);
    if (!w) {
      const argv: [string, ...string[]] = ['arping', '-q', '-U', '-c', String(repeat), '-I', iface, '-s', vip.address, vip.address];
      this.warm.set(key, (w = warmCommand(argv, { timeoutMs: (repeat + 2) * 1000 })));
    }
    return w;
  }

  prepare(iface: string, vips: Vip[], repeat: number): void {
    for (const v of vips) if (v.family === 4) this.warmFor(iface, v, repeat).arm();
  }

  /** `spacingMs`: a pause between the VIPs' first packets (Keepalived's vrrp_garp_interval). */
  announce(iface: string, vips: Vip[], repeat: number, signal: AbortSignal, spacingMs = 0): { done: Promise<void> } {
    const runs = vips.filter((v) => v.family === 4).map((v, i) => (i && spacingMs ? later(i * spacingMs, signal) : Promise.resolve()).then(() => this.warmFor(iface, v, repeat).fire('', signal)));
    const done = Promise.allSettled(runs).then((results) => {
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed.length) {
        const first = (failed[0]?.reason as Error).message;
        throw new AggregateError(failed.map((f) => f.reason as Error), `garp: ${failed.length} of ${runs.length} failed: ${first}`);
      }
    });
    return { done };
  }

  close(): void {
    for (const w of this.warm.values()) w.close();
    this.warm.clear();
  }
}

/** Resolves after `ms`, or at once when the signal aborts (the fire then does nothing). */
function later(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener('abort', done, { once: true });
  });
}

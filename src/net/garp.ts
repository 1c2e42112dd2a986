import type { Vip } from '../config/vip.js';
import { run } from './exec.js';

/** The seam for announcing VIPs to the link's neighbours. */
export interface Announcer {
  announce(iface: string, vips: Vip[], repeat: number): Promise<void>;
}

/**
 * Gratuitous ARP with iputils `arping -U` (unsolicited: neighbours update their ARP caches),
 * one process per IPv4 VIP, all started at once. arping sends its first packet at once and
 * the rest one second apart (it refuses intervals below 1 s), which spreads the repeats over
 * a lost packet or a slow switch. IPv6 VIPs rely on the kernel's unsolicited neighbour
 * advertisements (sysctl net.ipv6.conf.IF.ndisc_notify=1), as the README says.
 */
export class ArpingAnnouncer implements Announcer {
  async announce(iface: string, vips: Vip[], repeat: number): Promise<void> {
    const v4 = vips.filter((v) => v.family === 4);
    const results = await Promise.allSettled(
      v4.map((v) =>
        run('arping', ['-q', '-U', '-c', String(repeat), '-I', iface, '-s', v.address, v.address], {
          timeoutMs: (repeat + 2) * 1000,
        }),
      ),
    );
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length) throw new AggregateError(failed.map((f) => f.reason as Error), `garp: ${failed.length} of ${v4.length} failed`);
  }
}

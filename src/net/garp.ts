import { execa } from 'execa';
import type { Vip } from '../config/vip.js';
import { CommandError } from './exec.js';

/** The seam for announcing VIPs to the link's neighbours. */
export interface Announcer {
  /**
   * Starts announcing the VIPs. `started` resolves once the first announcements are on their
   * way; `done` when the repeats are over. Aborting `signal` stops the repeats still to come.
   */
  announce(iface: string, vips: Vip[], repeat: number, signal: AbortSignal): { started: Promise<void>; done: Promise<void> };
}

/**
 * Gratuitous ARP with iputils `arping -U` (unsolicited: neighbours update their ARP caches),
 * one process per IPv4 VIP, all started at once. arping sends its first packet as it starts and
 * the rest one second apart (it refuses intervals below 1 s), which spreads the repeats over a
 * lost packet or a slow switch. When the VIPs leave, the processes are killed: a repeat sent
 * after the move would point the neighbours back at this director. IPv6 VIPs rely on the
 * kernel's unsolicited neighbour advertisements (sysctl net.ipv6.conf.IF.ndisc_notify=1).
 */
export class ArpingAnnouncer implements Announcer {
  announce(iface: string, vips: Vip[], repeat: number, signal: AbortSignal): { started: Promise<void>; done: Promise<void> } {
    const children = vips
      .filter((v) => v.family === 4)
      .map((v) => {
        const argv = ['-q', '-U', '-c', String(repeat), '-I', iface, '-s', v.address, v.address];
        const child = execa('arping', argv, { timeout: (repeat + 2) * 1000, forceKillAfterDelay: 1000, cancelSignal: signal, stdin: 'ignore' });
        return { argv, child };
      });
    const started = Promise.all(children.map(({ child }) => new Promise<void>((resolve) => child.once('spawn', resolve).once('error', () => resolve())))).then(() => undefined);
    const done = Promise.allSettled(children.map(({ child }) => child)).then((results) => {
      if (signal.aborted) return;
      const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [{ r, argv: (children[i] as { argv: string[] }).argv }] : []));
      if (failed.length) {
        const errors = failed.map(({ r, argv }) => {
          const e = r.reason as { exitCode?: number; stderr?: string; timedOut?: boolean };
          return new CommandError(['arping', ...argv], e.exitCode, String(e.stderr ?? ''), Boolean(e.timedOut));
        });
        throw new AggregateError(errors, `garp: ${failed.length} of ${children.length} failed: ${errors[0]?.message}`);
      }
    });
    return { started, done };
  }
}

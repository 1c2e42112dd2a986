import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Vip } from '../config/vip.js';
import type { Announcer } from '../net/garp.js';

export interface GarpSettings {
  repeat: number;
  delayMs: number;
  refreshMs: number;
  refreshRepeat: number;
  /** Pause between the VIPs' announcements in one round. */
  spacingMs: number;
}

/**
 * A master's gratuitous ARP: the rounds at takeover, the delayed round and the periodic
 * refresh (Keepalived's garp_master_delay and garp_master_refresh). Cancelling (the VIPs leave)
 * stops the timers and kills the arping repeats still under way.
 */
export class GarpRounds {
  private timers: unknown[] = [];
  private abort = rounds();

  constructor(
    private readonly deps: { announcer: Announcer; clock: Clock; garp: GarpSettings },
    private readonly log: Logger,
    /** The VIPs by the interface each goes on (and is announced from). */
    private readonly target: () => { iface: string; vips: Vip[] }[],
  ) {}

  /** The signal of the current rounds, taken now: aborted once the VIPs leave. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Starts a round (all VIPs, or these); resolves when it is on its way, not when its repeats end. */
  async announce(repeat: number, signal = this.abort.signal, vips?: Vip[]): Promise<void> {
    if (signal.aborted) return;
    this.log.debug({ repeat }, 'gratuitous ARP');
    for (const { iface, vips: all } of this.target()) {
      const list = vips ? all.filter((v) => vips.some((only) => only.address === v.address)) : all;
      if (!list.length) continue;
      const { done } = this.deps.announcer.announce(iface, list, repeat, signal, this.deps.garp.spacingMs);
      done.catch((err: Error) => this.log.error({ err: err.message, interface: iface }, `gratuitous ARP on ${iface} failed: ${err.message}`));
    }
  }

  /** Becoming master: the delayed round and the refresh. */
  schedule(): void {
    const { delayMs, refreshMs, repeat, refreshRepeat } = this.deps.garp;
    const { clock } = this.deps;
    if (delayMs > 0) this.timers.push(clock.set(() => void this.announce(repeat), delayMs));
    if (refreshMs > 0) {
      // One slot, re-armed by each refresh (the list does not grow while the master lasts).
      const slot = this.timers.length;
      const refresh = (): void => {
        void this.announce(refreshRepeat);
        this.timers[slot] = clock.set(refresh, refreshMs);
      };
      this.timers[slot] = clock.set(refresh, refreshMs);
    }
  }

  cancel(): void {
    for (const t of this.timers) this.deps.clock.clear(t);
    this.timers = [];
    this.abort.abort();
    this.abort = rounds();
  }
}

/**
 * The controller of one master's rounds. Every arping under way listens to its signal, one per
 * VIP and round, so a master of more than ten VIPs passes Node's default of ten listeners: that
 * is the design, not a leak (each listener goes when its arping ends).
 */
function rounds(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

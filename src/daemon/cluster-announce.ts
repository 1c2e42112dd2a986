import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { announceAddresses, announcedNow } from '../cluster/announce.js';
import type { Config } from '../config/schema.js';
import type { Vip } from '../config/vip.js';
import type { RouteAnnouncer } from '../net/bird.js';
import type { VipManager } from '../net/vips.js';
import { addressFamily } from '../vrrp/address.js';

export interface ClusterStatus {
  /** The addresses on the announce interface. */
  addresses: string[];
  /** Those announced to the routers now. */
  announced: string[];
  /** Withdrawn by `tandem drain-director` (until undrain or restart). */
  drained: boolean;
  lastError: string | null;
}

/** After a failed change (BIRD not up yet, say), tried again this much later. */
const RETRY_MS = 5000;

const hostRoute = (address: string): Vip => ({ address, prefix: addressFamily(address) === 4 ? 32 : 128, family: addressFamily(address) });

/**
 * Cluster mode's side of the director: the announced addresses on their interface, and the
 * routes the BGP speaker announces, following the services' quorum. Changes are applied one at
 * a time, in order; a failure is logged, kept in status and retried at the next change.
 */
export class ClusterAnnounce {
  private announced: string[] = [];
  private local: string[] = [];
  private drained = false;
  private lastError: string | null = null;
  private queue: Promise<void> = Promise.resolve();
  private retry?: unknown;
  private stopped = false;

  constructor(
    private readonly deps: {
      announcer: RouteAnnouncer;
      vips: VipManager;
      log: Logger;
      clock: Clock;
      config: () => Config;
      hasQuorum: (service: string) => boolean;
    },
  ) {}

  /** Puts the addresses on their interface, then announces those whose services have quorum. */
  start(): Promise<void> {
    return this.update();
  }

  /** Follows the config and the quorum now (after a quorum change or a reload). */
  update(): Promise<void> {
    return this.enqueue(async () => {
      const config = this.deps.config();
      const iface = config.announce?.interface ?? 'lo';
      const wanted = announceAddresses(config);
      const added = wanted.filter((a) => !this.local.includes(a));
      if (added.length) await this.deps.vips.add(iface, added.map(hostRoute));
      this.local = [...this.local, ...added];
      const now = this.drained ? [] : announcedNow(config, this.deps.hasQuorum);
      await this.announce(now);
      // Addresses no longer in the config leave their interface once no router sends them here.
      const gone = this.local.filter((a) => !wanted.includes(a));
      if (gone.length) await this.deps.vips.remove(iface, gone.map(hostRoute));
      this.local = this.local.filter((a) => wanted.includes(a));
    });
  }

  /** drain-director: withdraw everything (the addresses stay, for the connections still coming); undrain: back. */
  setDrained(drained: boolean): Promise<void> {
    this.drained = drained;
    return this.update();
  }

  /** At stop: withdraw, then take the addresses off their interface. */
  stop(): Promise<void> {
    this.stopped = true;
    if (this.retry !== undefined) this.deps.clock.clear(this.retry);
    return this.enqueue(async () => {
      await this.announce([]);
      const iface = this.deps.config().announce?.interface ?? 'lo';
      if (this.local.length) await this.deps.vips.remove(iface, this.local.map(hostRoute));
      this.local = [];
    });
  }

  status(): ClusterStatus {
    return { addresses: this.local, announced: this.announced, drained: this.drained, lastError: this.lastError };
  }

  private async announce(addresses: string[]): Promise<void> {
    const before = this.announced;
    await this.deps.announcer.announce(addresses);
    this.announced = addresses;
    const up = addresses.filter((a) => !before.includes(a));
    const down = before.filter((a) => !addresses.includes(a));
    if (up.length) this.deps.log.info({ announced: up }, `announcing ${up.join(', ')}`);
    if (down.length) this.deps.log.warn({ withdrawn: down }, `withdrew ${down.join(', ')}`);
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(work).then(
      () => {
        this.lastError = null;
      },
      (err: Error) => {
        this.lastError = err.message;
        this.deps.log.error(`announce: ${err.message}; retrying in ${RETRY_MS / 1000} s`);
        // The speaker may be starting or restarting: the routes must not wait for the next change.
        if (this.retry !== undefined) this.deps.clock.clear(this.retry);
        if (!this.stopped) this.retry = this.deps.clock.set(() => void this.update(), RETRY_MS);
      },
    );
    return this.queue;
  }
}

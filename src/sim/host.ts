import type { CheckSpec } from '../check/build.js';
import type { Checker } from '../check/types.js';
import type { Vip } from '../config/vip.js';
import type { Seams, Store } from '../daemon/seams.js';
import type { Announcer } from '../net/garp.js';
import type { ReplayState } from '../vrrp/replay.js';
import type { VipManager } from '../net/vips.js';
import { MemoryIpvs } from './ipvs-kernel.js';
import type { NetHost, SimNetwork } from './network.js';
import type { Scheduler } from './scheduler.js';

/** Outcomes the simulation decides for everyone: real servers' health (shared by all hosts). */
export interface SimWorld {
  serverUp(address: string): boolean;
}

export type SimDefect = 'senders-at-start-only';

interface Iface {
  up: boolean;
  addresses: string[];
}

/**
 * A simulated machine: its interfaces and links, the VIPs on them, its IPVS table, its
 * tracking scripts' outcomes and its state dir. It outlives the director process running on
 * it (a crash loses the process; a host crash also loses the kernel's addresses and table).
 */
export class SimHost implements NetHost {
  readonly ifaces = new Map<string, Iface>();
  /** VIPs on each interface (the kernel's view). */
  readonly vips = new Map<string, Map<string, Vip>>();
  readonly ipvs = new MemoryIpvs();
  readonly scriptsUp = new Map<string, boolean>();
  running = true;
  /** Bumped at each crash: timers and callbacks of the dead process do nothing. */
  generation = 0;
  private readonly linkListeners = new Set<(iface: string) => void>();
  /** The director's address watch: told of every address change, as rtnetlink tells. */
  private readonly addressListeners = new Set<() => void>();
  /** The interfaces' own addresses taken away by a flush, until they come back. */
  private readonly flushed = new Map<string, string[]>();
  private readonly store = { ledger: {} as Record<string, string[]>, drains: [] as string[], epoch: 0, replay: {} as ReplayState };

  constructor(
    readonly name: string,
    ifaces: Record<string, string[]>,
    private readonly network: SimNetwork,
    private readonly world: SimWorld,
  ) {
    for (const [name, addresses] of Object.entries(ifaces)) this.ifaces.set(name, { up: true, addresses });
  }

  ifaceOf(address: string): string | undefined {
    for (const [name, iface] of this.ifaces) if (iface.addresses.includes(address)) return name;
    return undefined;
  }

  linkUp(iface: string): boolean {
    return this.ifaces.get(iface)?.up ?? false;
  }

  setLink(iface: string, up: boolean): void {
    const i = this.ifaces.get(iface);
    if (!i || i.up === up) return;
    i.up = up;
    for (const listener of this.linkListeners) listener(iface);
  }

  private addressesChanged(): void {
    for (const listener of this.addressListeners) listener();
  }

  /** Someone outside tandem deletes an address it added (`ip addr del`): the n-th VIP held. */
  deleteVip(n: number): string | undefined {
    const held = [...this.vips].flatMap(([iface, m]) => [...m.keys()].map((address) => ({ iface, address })));
    const victim = held[n % Math.max(1, held.length)];
    if (!victim) return undefined;
    this.vips.get(victim.iface)?.delete(victim.address);
    this.addressesChanged();
    return victim.address;
  }

  /** A network manager flushes an interface: its own addresses and the VIPs on it go. */
  flush(iface: string): void {
    const i = this.ifaces.get(iface);
    if (!i || this.flushed.has(iface)) return;
    this.flushed.set(iface, i.addresses);
    i.addresses = [];
    this.vips.delete(iface);
    this.addressesChanged();
  }

  /** ... and puts the interface's own addresses back (its config), not tandem's VIPs. */
  unflush(iface: string): void {
    const i = this.ifaces.get(iface);
    const addresses = this.flushed.get(iface);
    if (!i || !addresses) return;
    this.flushed.delete(iface);
    i.addresses = addresses;
    this.addressesChanged();
  }

  /** Every VIP on the host, as "iface address". */
  heldVips(): string[] {
    return [...this.vips].flatMap(([iface, m]) => [...m.keys()].map((a) => `${iface} ${a}`));
  }

  /** The machine goes down: the process with it, and the kernel's addresses and table. */
  crash(): void {
    this.killProcess();
    this.running = false;
    this.vips.clear();
    this.ipvs.table = [];
  }

  /** Only the process dies (kill -9): the kernel keeps the VIPs and the table. */
  killProcess(): void {
    this.generation += 1;
    this.linkListeners.clear();
    this.addressListeners.clear();
  }

  nextEpoch(): number {
    return ++this.store.epoch;
  }

  /**
   * The host's seams for a director process. `defect` brings back a fixed bug, to prove the
   * simulator finds it: `senders-at-start-only` is the transport before reloads could open
   * senders (an instance moved by a reload had no socket to advertise from).
   */
  seams(scheduler: Scheduler, defect?: SimDefect): Seams {
    const generation = this.generation;
    const alive = () => this.generation === generation;
    const clock = scheduler.clockFor(this.name, alive);
    const store: Store = {
      readLedger: async () => structuredClone(this.store.ledger),
      writeLedger: async (ledger) => void (this.store.ledger = structuredClone(ledger)),
      readDrains: async () => [...this.store.drains],
      writeDrains: async (keys) => void (this.store.drains = [...keys]),
      readReplay: async () => structuredClone(this.store.replay),
      writeReplay: async (state) => void (this.store.replay = structuredClone(state)),
    };
    const vips: VipManager = {
      add: async (iface, list) => {
        if (!alive()) return;
        const m = this.vips.get(iface) ?? new Map<string, Vip>();
        this.vips.set(iface, m);
        for (const v of list) m.set(v.address, v);
        this.addressesChanged();
      },
      remove: async (iface, list) => {
        if (!alive()) return;
        for (const v of list) this.vips.get(iface)?.delete(v.address);
        this.addressesChanged();
      },
      // As `ip addr show`: the interface's own addresses, then the VIPs on it.
      list: async (iface) => [
        ...(this.ifaces.get(iface)?.addresses ?? []).map((address): Vip => ({ address, prefix: 24, family: address.includes(':') ? 6 : 4 })),
        ...(this.vips.get(iface)?.values() ?? []),
      ],
      close: () => undefined,
    };
    const announcer: Announcer = {
      announce: () => ({ done: Promise.resolve() }),
      prepare: () => undefined,
      close: () => undefined,
    };
    const ipvs = this.ipvs;
    return {
      clock,
      openTransport: async (options) => {
        const t = this.network.open(this, options);
        await t.prepare(options.sources, options.joinOn);
        if (defect === 'senders-at-start-only') Object.assign(t, { prepare: async () => undefined, retain: async () => undefined });
        return t;
      },
      vips,
      announcer,
      ipvs: {
        read: () => ipvs.read(),
        applyBatch: async (c) => (alive() ? ipvs.applyBatch(c) : undefined),
        applyOne: async (c) => (alive() ? ipvs.applyOne(c) : undefined),
        setTimeouts: () => ipvs.setTimeouts(),
        startSyncDaemon: () => ipvs.startSyncDaemon(),
        stopSyncDaemon: () => ipvs.stopSyncDaemon(),
        syncDaemons: () => ipvs.syncDaemons(),
      },
      watchLinks: (ifaces, onChange) => {
        // As the real watcher, which polls every 50 ms: a change is seen 50 ms later.
        const report = (iface: string) => onChange(iface, this.linkUp(iface) ? undefined : this.ifaces.has(iface) ? `${iface} no carrier` : `${iface} missing`);
        const listener = (iface: string) => {
          if (ifaces.includes(iface)) clock.set(() => report(iface), 50);
        };
        return {
          start: async () => {
            this.linkListeners.add(listener);
            for (const iface of ifaces) report(iface);
          },
          stop: () => void this.linkListeners.delete(listener),
        };
      },
      watchAddresses: (onChange) => {
        // rtnetlink's message reaches the process a moment after the kernel's change.
        const listener = () => void clock.set(() => onChange('rtnetlink'), 1);
        return {
          start: async () => void this.addressListeners.add(listener),
          stop: () => void this.addressListeners.delete(listener),
        };
      },
      addresses: (iface) => (this.ifaces.get(iface)?.addresses ?? []).map((address) => ({ family: address.includes(':') ? 6 : 4, address })),
      runScript: async (name) => this.scriptsUp.get(name) ?? true,
      hooks: { run: () => undefined, drain: async () => undefined },
      alerts: { send: () => undefined, drain: async () => undefined },
      store,
      buildCheck: async (spec: CheckSpec): Promise<Checker> => {
        const address = spec.target.address;
        return async () => (this.world.serverUp(address) ? { ok: true, message: 'connected' } : { ok: false, message: 'connection refused' });
      },
    };
  }
}

import type { AdvertTransport, Destination, TransportOptions } from '../vrrp/transport.js';
import type { Scheduler } from './scheduler.js';

/** A network fault between hosts (undefined: any host), active until removed. */
export interface NetRule {
  from?: string;
  to?: string;
  block?: boolean;
  /** Probability a packet is lost, 0-1. */
  loss?: number;
  delayMs?: number;
  /** Extra delay, uniform in [0, jitterMs): packets overtake one another. */
  jitterMs?: number;
  /** Probability a packet arrives twice. */
  duplicate?: number;
}

/** What the network needs to know of a host. */
export interface NetHost {
  readonly name: string;
  /** The interface that has this address, if the host has it. */
  ifaceOf(address: string): string | undefined;
  linkUp(iface: string): boolean;
  /** False while the host is down (crashed). */
  readonly running: boolean;
}

/** Small, fast, seeded PRNG (mulberry32): the network's draws are replayable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One LAN that every host's interfaces are on: multicast reaches every member, unicast one. */
export class SimNetwork {
  readonly rules = new Set<NetRule>();
  private readonly transports = new Set<SimTransport>();
  private readonly random: () => number;
  /** Base one-way delay of a healthy network. */
  readonly baseDelayMs = 0.2;
  sent = 0;

  constructor(
    readonly scheduler: Scheduler,
    seed: number,
  ) {
    this.random = prng(seed);
  }

  open(host: NetHost, options: TransportOptions): SimTransport {
    const t = new SimTransport(this, host, options);
    this.transports.add(t);
    return t;
  }

  /** A host's process is gone: its sockets with it. */
  dropHost(host: NetHost): void {
    for (const t of [...this.transports]) if (t.host === host) void t.close();
  }

  closed(t: SimTransport): void {
    this.transports.delete(t);
  }

  send(from: SimTransport, source: string, packet: Buffer, targets: { group: string } | { peers: string[] }): void {
    const srcIface = from.host.ifaceOf(source);
    if (!srcIface || !from.host.linkUp(srcIface)) return;
    for (const to of this.transports) {
      if (to === from || to.host === from.host || !to.host.running) continue;
      if ('group' in targets) {
        if (!to.joinedUp(targets.group)) continue;
        this.carry(from, to, packet, source);
      } else {
        for (const peer of targets.peers) {
          const iface = to.host.ifaceOf(peer);
          if (iface && to.host.linkUp(iface)) this.carry(from, to, packet, source);
        }
      }
    }
  }

  private carry(from: SimTransport, to: SimTransport, packet: Buffer, source: string): void {
    this.sent += 1;
    let loss = 0;
    let delay = this.baseDelayMs;
    let jitter = 0;
    let duplicate = 0;
    for (const r of this.rules) {
      if ((r.from !== undefined && r.from !== from.host.name) || (r.to !== undefined && r.to !== to.host.name)) continue;
      if (r.block) return;
      loss = 1 - (1 - loss) * (1 - (r.loss ?? 0));
      delay += r.delayMs ?? 0;
      jitter = Math.max(jitter, r.jitterMs ?? 0);
      duplicate = Math.max(duplicate, r.duplicate ?? 0);
    }
    if (loss > 0 && this.random() < loss) return;
    const copies = duplicate > 0 && this.random() < duplicate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const at = this.scheduler.now() + delay + (jitter > 0 ? this.random() * jitter : 0);
      // The receiving process reads it: a paused host reads it when it resumes.
      this.scheduler.at(at, () => to.deliver(packet, source), to.host.name);
    }
  }
}

/** A director's sockets on the simulated network, with the real transport's rules. */
export class SimTransport implements AdvertTransport {
  private readonly senders = new Set<string>();
  private readonly joined = new Set<string>();
  private open = true;

  constructor(
    private readonly network: SimNetwork,
    readonly host: NetHost,
    private readonly options: TransportOptions,
  ) {}

  /** Member of the group on an interface whose link is up. */
  joinedUp(group: string): boolean {
    if (group !== this.options.group && group !== this.options.group6) return false;
    for (const address of this.joined) {
      if (address.includes(':') !== (group === this.options.group6)) continue;
      const iface = this.host.ifaceOf(address);
      if (iface && this.host.linkUp(iface)) return true;
    }
    return false;
  }

  deliver(packet: Buffer, from: string): void {
    if (!this.open || !this.host.running) return;
    this.options.onPacket(packet, from);
  }

  async prepare(sources: string[], joinOn: string[]): Promise<void> {
    // As bind(2) and IP_ADD_MEMBERSHIP answer for an address the host does not have; a sender
    // or a join already open stays, as the real transport's do.
    const missing = [...sources.filter((a) => !this.senders.has(a)), ...joinOn.filter((a) => !this.joined.has(a))].find((a) => !this.host.ifaceOf(a));
    if (missing) throw new Error(`transport: cannot send from ${missing}: bind EADDRNOTAVAIL ${missing}`);
    for (const s of sources) this.senders.add(s);
    for (const j of joinOn) this.joined.add(j);
  }

  async retain(sources: string[], joinOn: string[]): Promise<void> {
    for (const s of [...this.senders]) if (!sources.includes(s)) this.senders.delete(s);
    for (const j of [...this.joined]) if (!joinOn.includes(j)) this.joined.delete(j);
  }

  send(packet: Buffer, to: Destination): void {
    if (!this.open) return;
    if (!this.senders.has(to.sourceAddress)) {
      this.options.onError(new Error(`transport: no socket for source ${to.sourceAddress}`));
      return;
    }
    const group = to.sourceAddress.includes(':') ? this.options.group6 : this.options.group;
    this.network.send(this, to.sourceAddress, packet, to.peers?.length ? { peers: to.peers } : { group });
  }

  async close(): Promise<void> {
    this.open = false;
    this.network.closed(this);
  }
}

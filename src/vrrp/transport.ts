import dgram from 'node:dgram';
import type { Socket } from 'node:dgram';
import os from 'node:os';

/** Where one instance's adverts go: the multicast group on its interface, or unicast peers. */
export interface Destination {
  sourceAddress: string;
  peers?: string[];
}

/** The seam between the daemon and the network: UDP sockets, or the simulator's network. */
export interface AdvertTransport {
  send(packet: Buffer, to: Destination): void;
  /**
   * Opens the senders and joins the group where a config needs them, before anything else
   * changes; throws (and keeps what it had) when one cannot be had.
   */
  prepare(sources: string[], joinOn: string[]): Promise<void>;
  /** Closes the senders and leaves the group memberships that are not in these lists. */
  retain(sources: string[], joinOn: string[]): Promise<void>;
  close(): Promise<void>;
}

export interface TransportOptions {
  port: number;
  group: string;
  /** The IPv6 group, for sources that are IPv6 addresses. */
  group6: string;
  /** Our addresses that send adverts (one per instance interface). */
  sources: string[];
  /** Of those, the ones on whose interface to join the multicast group. */
  joinOn: string[];
  onPacket: (packet: Buffer, from: string) => void;
  onError: (err: Error) => void;
}

/**
 * UDP: one socket per family bound to the advert port receives everything (multicast and
 * unicast); one socket per source address sends, so each advert leaves from the right address
 * and interface. TTL (hop limit) 255 and no multicast loopback, as VRRP does. IPv6 sources use
 * the IPv6 group (ff02::12 by default) on their interface.
 */
export class UdpTransport implements AdvertTransport {
  private readonly senders = new Map<string, Socket>();
  /** Addresses on whose interface the receiver is a member of the group. */
  private readonly joined = new Set<string>();
  /** The IPv6 receiver, opened with the first IPv6 source. */
  private receiver6?: Socket;

  private constructor(
    private readonly receiver: Socket,
    private readonly options: TransportOptions,
  ) {}

  static async open(options: TransportOptions): Promise<UdpTransport> {
    const transport = new UdpTransport(await UdpTransport.receive('udp4', options), options);
    await transport.prepare(options.sources, options.joinOn);
    return transport;
  }

  private static async receive(type: 'udp4' | 'udp6', options: TransportOptions): Promise<Socket> {
    const receiver = dgram.createSocket({ type, reuseAddr: true, ipv6Only: type === 'udp6' });
    receiver.on('message', (msg, rinfo) => options.onPacket(msg, rinfo.address));
    receiver.on('error', options.onError);
    await new Promise<void>((resolve, reject) => {
      receiver.once('error', reject);
      receiver.bind(options.port, () => {
        receiver.off('error', reject);
        resolve();
      });
    });
    return receiver;
  }

  /** The receiver for an address's family (the IPv6 one opened on first use). */
  private async receiverFor(address: string): Promise<Socket> {
    if (!isIpv6(address)) return this.receiver;
    this.receiver6 ??= await UdpTransport.receive('udp6', this.options);
    return this.receiver6;
  }

  /**
   * Opens the senders and joins the group where a config needs them (a reload's new source
   * address or interface), before anything else changes: when one cannot be had (the address
   * is not on this host), what this call opened is closed again and the error says why.
   */
  async prepare(sources: string[], joinOn: string[]): Promise<void> {
    const opened: string[] = [];
    const joined: string[] = [];
    try {
      for (const address of sources) {
        if (this.senders.has(address)) continue;
        await this.sender(address);
        opened.push(address);
      }
      for (const address of joinOn) {
        if (this.joined.has(address)) continue;
        const group = this.groupFor(address);
        try {
          (await this.receiverFor(address)).addMembership(group, multicastInterface(address));
        } catch (err) {
          throw new Error(`transport: cannot join ${group} on ${address}: ${(err as Error).message}`, { cause: err });
        }
        this.joined.add(address);
        joined.push(address);
      }
    } catch (err) {
      await this.retain(
        [...this.senders.keys()].filter((a) => !opened.includes(a)),
        [...this.joined].filter((a) => !joined.includes(a)),
      );
      throw err;
    }
  }

  /** Closes the senders and leaves the group memberships that are not in these lists. */
  async retain(sources: string[], joinOn: string[]): Promise<void> {
    for (const address of [...this.joined]) {
      if (joinOn.includes(address)) continue;
      // The address may be gone from the host already: the kernel then dropped it with it.
      try {
        (isIpv6(address) ? this.receiver6 : this.receiver)?.dropMembership(this.groupFor(address), multicastInterface(address));
      } catch {
        /* left already */
      }
      this.joined.delete(address);
    }
    const closing = [...this.senders].filter(([address]) => !sources.includes(address));
    for (const [address] of closing) this.senders.delete(address);
    await Promise.all(closing.map(([, socket]) => new Promise<void>((resolve) => socket.close(() => resolve()))));
  }

  private async sender(address: string): Promise<Socket> {
    const existing = this.senders.get(address);
    if (existing) return existing;
    const socket = dgram.createSocket({ type: isIpv6(address) ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (err) => {
        socket.close();
        reject(new Error(`transport: cannot send from ${address}: ${err.message}`, { cause: err }));
      });
      socket.bind({ address, port: 0 }, () => {
        socket.removeAllListeners('error');
        resolve();
      });
    });
    socket.on('error', this.options.onError);
    socket.setMulticastInterface(multicastInterface(address));
    socket.setMulticastTTL(255);
    socket.setTTL(255);
    socket.setMulticastLoopback(false);
    this.senders.set(address, socket);
    return socket;
  }

  send(packet: Buffer, to: Destination): void {
    const socket = this.senders.get(to.sourceAddress);
    if (!socket) {
      // Opened at start, and by a reload before its instances change: reaching here is a bug.
      this.options.onError(new Error(`transport: no socket for source ${to.sourceAddress}`));
      return;
    }
    const targets = to.peers?.length ? to.peers : [this.groupFor(to.sourceAddress)];
    for (const target of targets) {
      socket.send(packet, this.options.port, target, (err) => {
        if (err) this.options.onError(err);
      });
    }
  }

  private groupFor(address: string): string {
    return isIpv6(address) ? this.options.group6 : this.options.group;
  }

  async close(): Promise<void> {
    const all = [this.receiver, ...(this.receiver6 ? [this.receiver6] : []), ...this.senders.values()];
    await Promise.all(all.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

function isIpv6(address: string): boolean {
  return address.includes(':');
}

/**
 * How the socket API names the interface of a source address for multicast: the address itself
 * for IPv4; for IPv6, `::%IFACE` with the interface that has the address.
 */
function multicastInterface(address: string): string {
  if (!isIpv6(address)) return address;
  const iface = Object.entries(os.networkInterfaces()).find(([, addrs]) => addrs?.some((a) => a.address === address))?.[0];
  if (!iface) throw new Error(`transport: cannot send from ${address}: no interface has this address`);
  return `::%${iface}`;
}

import dgram from 'node:dgram';
import type { Socket } from 'node:dgram';

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
  /** Our addresses that send adverts (one per instance interface). */
  sources: string[];
  /** Of those, the ones on whose interface to join the multicast group. */
  joinOn: string[];
  onPacket: (packet: Buffer, from: string) => void;
  onError: (err: Error) => void;
}

/**
 * UDP over IPv4: one socket bound to the advert port receives everything (multicast and
 * unicast); one socket per source address sends, so each advert leaves from the right address
 * and interface. TTL 255 and no multicast loopback, as VRRP does.
 */
export class UdpTransport implements AdvertTransport {
  private readonly senders = new Map<string, Socket>();
  /** Addresses on whose interface the receiver is a member of the group. */
  private readonly joined = new Set<string>();

  private constructor(
    private readonly receiver: Socket,
    private readonly options: TransportOptions,
  ) {}

  static async open(options: TransportOptions): Promise<UdpTransport> {
    const receiver = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    receiver.on('message', (msg, rinfo) => options.onPacket(msg, rinfo.address));
    receiver.on('error', options.onError);
    await new Promise<void>((resolve, reject) => {
      receiver.once('error', reject);
      receiver.bind(options.port, () => {
        receiver.off('error', reject);
        resolve();
      });
    });
    const transport = new UdpTransport(receiver, options);
    await transport.prepare(options.sources, options.joinOn);
    return transport;
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
        try {
          this.receiver.addMembership(this.options.group, address);
        } catch (err) {
          throw new Error(`transport: cannot join ${this.options.group} on ${address}: ${(err as Error).message}`, { cause: err });
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
        this.receiver.dropMembership(this.options.group, address);
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
    const socket = dgram.createSocket({ type: 'udp4' });
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
    socket.setMulticastInterface(address);
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
    const targets = to.peers?.length ? to.peers : [this.options.group];
    for (const target of targets) {
      socket.send(packet, this.options.port, target, (err) => {
        if (err) this.options.onError(err);
      });
    }
  }

  async close(): Promise<void> {
    const all = [this.receiver, ...this.senders.values()];
    await Promise.all(all.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

import dgram from 'node:dgram';
import type { Socket } from 'node:dgram';

/** Where one instance's adverts go: the multicast group on its interface, or unicast peers. */
export interface Destination {
  sourceAddress: string;
  peers?: string[];
}

/** The seam between instances and the network. */
export interface AdvertTransport {
  send(packet: Buffer, to: Destination): void;
  close(): Promise<void>;
}

export interface UdpTransportOptions {
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

  private constructor(
    private readonly receiver: Socket,
    private readonly options: UdpTransportOptions,
  ) {}

  static async open(options: UdpTransportOptions): Promise<UdpTransport> {
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
    for (const address of options.joinOn) receiver.addMembership(options.group, address);
    const transport = new UdpTransport(receiver, options);
    for (const address of options.sources) await transport.sender(address);
    return transport;
  }

  private async sender(address: string): Promise<Socket> {
    const existing = this.senders.get(address);
    if (existing) return existing;
    const socket = dgram.createSocket({ type: 'udp4' });
    socket.on('error', this.options.onError);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address, port: 0 }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
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
      // Opened at start for every instance; reaching here is a bug, not a network condition.
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

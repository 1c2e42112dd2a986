/*
 * The kernel's address and link changes, as they happen: an rtnetlink socket subscribed to the
 * link, IPv4 and IPv6 address groups. It says only that something changed; the listener then
 * reads what it owns (a VIP deleted by hand, an interface flushed by a network manager). A
 * receive error (ENOBUFS: the kernel dropped events because the socket's buffer was full) loses
 * events, so the socket is replaced and the listener told to look at everything.
 */

/** Watches the host's addresses and links; `onChange` says what noticed. */
export interface AddressWatch {
  start(): Promise<void>;
  stop(): void;
}

/** What tandem uses of the `netlink` package's rtnetlink socket (the seam for its tests). */
export interface RtSocket {
  addMembership(group: 'LINK' | 'IPV4_IFADDR' | 'IPV6_IFADDR'): void;
  on(event: 'message', listener: () => void): unknown;
  socket: { on(event: 'error', listener: (err: Error) => void): unknown; close(): void };
}

export type RtLoader = () => Promise<{ createRtNetlink(): RtSocket }>;

const loadNetlink: RtLoader = () => import('netlink') as unknown as ReturnType<RtLoader>;

export class RtnetlinkAddressWatch implements AddressWatch {
  private socket?: RtSocket;
  private stopped = false;

  constructor(
    private readonly onChange: (noticedBy: string) => void,
    private readonly onError: (err: Error) => void,
    private readonly load: RtLoader = loadNetlink,
  ) {}

  async start(): Promise<void> {
    const { createRtNetlink } = await this.load();
    if (this.stopped) return;
    this.open(createRtNetlink);
  }

  private open(create: () => RtSocket): void {
    const socket = create();
    for (const group of ['LINK', 'IPV4_IFADDR', 'IPV6_IFADDR'] as const) socket.addMembership(group);
    socket.on('message', () => this.onChange('rtnetlink'));
    socket.socket.on('error', (err: Error) => {
      socket.socket.close();
      if (this.stopped) return;
      this.onError(err);
      this.open(create);
      this.onChange(`rtnetlink resync after ${err.message}`);
    });
    this.socket = socket;
  }

  stop(): void {
    this.stopped = true;
    this.socket?.socket.close();
    this.socket = undefined;
  }
}

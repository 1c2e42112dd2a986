import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { IpvsCommand } from '../../../src/ipvs/diff.js';
import { IpvsError } from '../../../src/ipvs/driver.js';
import type { GenlIpvsMessage } from '../../../src/ipvs/genl-ipvs.js';
import { ChannelUnavailable, NetlinkIpvsDriver, NetlinkRefusal, openGenlChannel } from '../../../src/ipvs/netlink-driver.js';
import type { GenlSocket, IpvsChannel } from '../../../src/ipvs/netlink-driver.js';
import { MemoryIpvs } from '../../../src/sim/ipvs-kernel.js';

const log = pino({ level: 'silent' });
const add = (n: number): IpvsCommand => ['-a', '-t', '192.0.2.1:80', '-r', `198.51.100.${n}:80`, '-m', '-w', '1'];

/** A channel that records what it was sent, and answers as `answer` says (a refusal's errno, or an Error). */
class FakeChannel implements IpvsChannel {
  sent: GenlIpvsMessage[] = [];
  /** Requests sent but not yet answered, the most at once. */
  inFlight = 0;
  mostInFlight = 0;
  closed = 0;
  constructor(private readonly answer: (index: number) => string | Error | undefined = () => undefined) {}
  async request(message: GenlIpvsMessage): Promise<void> {
    const index = this.sent.push(message) - 1;
    this.inFlight += 1;
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
    await Promise.resolve();
    this.inFlight -= 1;
    const a = this.answer(index);
    if (typeof a === 'string') throw new NetlinkRefusal(a);
    if (a) throw a;
  }
  close(): void {
    this.closed += 1;
  }
}

function driver(channel: FakeChannel | (() => Promise<IpvsChannel>), window?: number) {
  const ipvsadm = new MemoryIpvs();
  const opened: number[] = [];
  const open = typeof channel === 'function' ? channel : async () => (opened.push(1), channel);
  return { d: new NetlinkIpvsDriver({ log, ipvsadm, open, ...(window ? { window } : {}) }), ipvsadm, opened };
}

describe('IPVS changes over netlink', () => {
  it('sends a batch in order, a window at a time, opening the socket once', async () => {
    const channel = new FakeChannel();
    const { d, ipvsadm, opened } = driver(channel, 4);
    await d.applyBatch([['-A', '-t', '192.0.2.1:80', '-s', 'rr'], ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map(add)]);
    await d.applyOne(add(10));
    expect(channel.sent.map((m) => m.command)).toEqual([1, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5]);
    expect(channel.mostInFlight).toBe(4);
    expect(opened).toHaveLength(1);
    expect(ipvsadm.batches).toBe(0);
    expect(d.transport()).toBe('netlink');
  });

  it('reports every refusal of a batch with the rule and ipvsadm\'s words, after sending the rest', async () => {
    const channel = new FakeChannel((i) => (i === 1 ? 'ERANGE' : i === 2 ? 'EEXIST' : undefined));
    const { d } = driver(channel);
    const err = await d.applyBatch([add(1), add(2), add(3), add(4)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpvsError);
    expect((err as IpvsError).kind).toBe('refused');
    expect((err as IpvsError).message).toBe('the kernel refused 2 of a batch of 4: -a -t 192.0.2.1:80 -r 198.51.100.2:80 -m -w 1: Numerical result out of range');
    expect(channel.sent).toHaveLength(4);
    const one = await d.applyOne(add(9)).catch((e: unknown) => e);
    expect(one).toBeUndefined();
  });

  it('drops a socket that failed (not a refusal) and opens another at the next change', async () => {
    let calls = 0;
    const channels = [new FakeChannel(() => (calls++ === 0 ? new Error('Timeout has been reached') : undefined)), new FakeChannel()];
    const { d } = driver(async () => channels.shift() as FakeChannel);
    const err = (await d.applyOne(add(1)).catch((e: unknown) => e)) as IpvsError;
    expect(err.kind).toBe('timeout');
    expect(err.message).toContain('-a -t 192.0.2.1:80 -r 198.51.100.1:80');
    await d.applyOne(add(2));
    expect(channels).toHaveLength(0);
  });

  it('goes through ipvsadm while the kernel has no IPVS family, and back to netlink once it has', async () => {
    let loaded = false;
    const channel = new FakeChannel();
    const { d, ipvsadm } = driver(async () => {
      if (!loaded) throw new ChannelUnavailable('the kernel has no IPVS netlink family yet: Request rejected: ENOENT', false);
      return channel;
    });
    await d.applyBatch([['-A', '-t', '192.0.2.1:80', '-s', 'rr']]);
    expect(ipvsadm.batches).toBe(1);
    expect(d.transport()).toBe('ipvsadm (netlink: the kernel has no IPVS netlink family yet: Request rejected: ENOENT)');
    loaded = true;
    await d.applyBatch([add(1)]);
    expect(ipvsadm.batches).toBe(1);
    expect(channel.sent).toHaveLength(1);
    expect(d.transport()).toBe('netlink');
  });

  it('stops trying netlink when the module cannot load here, and says so', async () => {
    let tries = 0;
    const { d, ipvsadm } = driver(async () => {
      tries += 1;
      throw new ChannelUnavailable('the netlink module does not load here: no prebuilt binary', true);
    });
    await d.applyBatch([['-A', '-t', '192.0.2.1:80', '-s', 'rr']]);
    await d.applyBatch([add(1)]);
    await d.applyOne(add(2));
    expect(tries).toBe(1);
    expect(ipvsadm.table[0]?.realServers).toHaveLength(2);
    expect(d.transport()).toMatch(/^ipvsadm \(netlink: the netlink module does not load here/);
  });

  it('closes the socket when stopped', async () => {
    const channel = new FakeChannel();
    const { d } = driver(channel);
    await d.applyOne(add(1));
    d.close();
    await Promise.resolve();
    expect(channel.closed).toBe(1);
  });
});

/** The `netlink` package's socket, as far as tandem uses it: answers each request with `answer`. */
class FakeSocket implements GenlSocket {
  readonly socket = Object.assign(new EventEmitter(), { unrefs: 0, closes: 0, unref: () => void (this.socket.unrefs += 1), close: () => void (this.socket.closes += 1) });
  requests: { family: number; cmd: number; version: number }[] = [];
  constructor(
    private readonly family: () => Promise<{ familyId?: number }[]>,
    private readonly answer: () => Promise<unknown> = async () => [],
  ) {}
  ctrlRequest(cmd: number, msg: { familyName: string }): Promise<{ familyId?: number }[]> {
    expect([cmd, msg.familyName]).toEqual([3, 'IPVS']);
    return this.family();
  }
  request(family: number, cmd: number, version: number): Promise<unknown> {
    this.requests.push({ family, cmd, version });
    return this.answer();
  }
}

describe('the netlink socket', () => {
  const message = { command: 5, attributes: Buffer.alloc(0) };
  const load = (socket: FakeSocket) => async () => ({ createGenericNetlink: () => socket });

  it('finds the IPVS family and sends on it, unreferenced, and tells a refusal from a failure', async () => {
    let answer: () => Promise<unknown> = async () => [];
    const socket = new FakeSocket(async () => [{ familyId: 28 }], () => answer());
    const channel = await openGenlChannel(load(socket));
    await channel.request(message);
    expect(socket.requests).toEqual([{ family: 28, cmd: 5, version: 1 }]);
    expect(socket.socket.unrefs).toBe(1);
    answer = async () => Promise.reject(new Error('Request rejected: ERANGE'));
    const refused = await channel.request(message).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NetlinkRefusal);
    expect((refused as NetlinkRefusal).errno).toBe('ERANGE');
    answer = async () => Promise.reject(new Error('Timeout has been reached'));
    const lost = await channel.request(message).catch((e: unknown) => e);
    expect(lost).not.toBeInstanceOf(NetlinkRefusal);
  });

  it('is unavailable for a while when the kernel has no IPVS family, for good when the package does not load', async () => {
    const socket = new FakeSocket(async () => Promise.reject(new Error('Request rejected: ENOENT')));
    const noFamily = (await openGenlChannel(load(socket)).catch((e: unknown) => e)) as ChannelUnavailable;
    expect(noFamily).toBeInstanceOf(ChannelUnavailable);
    expect(noFamily.lasting).toBe(false);
    expect(noFamily.message).toBe('the kernel has no IPVS netlink family yet: Request rejected: ENOENT');
    expect(socket.socket.closes).toBe(1);
    const noModule = (await openGenlChannel(async () => Promise.reject(new Error('No native build was found'))).catch((e: unknown) => e)) as ChannelUnavailable;
    expect(noModule.lasting).toBe(true);
    expect(noModule.message).toBe('the netlink module does not load here: No native build was found');
  });

  it('survives an error event on the socket: it is closed, and the driver opens another at the next change', async () => {
    const sockets = [new FakeSocket(async () => [{ familyId: 28 }]), new FakeSocket(async () => [{ familyId: 28 }])];
    const opened: FakeSocket[] = [];
    const d = new NetlinkIpvsDriver({
      log,
      ipvsadm: new MemoryIpvs(),
      open: () => {
        const next = sockets.shift() as FakeSocket;
        opened.push(next);
        return openGenlChannel(load(next));
      },
    });
    await d.applyOne(add(1));
    // Without a listener this would be thrown as an uncaught exception.
    opened[0]?.socket.emit('error', new Error('recvmsg ENOBUFS'));
    expect(opened[0]?.socket.closes).toBe(1);
    const err = (await d.applyOne(add(2)).catch((e: unknown) => e)) as IpvsError;
    expect(err.kind).toBe('failed');
    expect(err.message).toContain('the socket failed: recvmsg ENOBUFS');
    await d.applyOne(add(3));
    expect(opened).toHaveLength(2);
    expect(opened[1]?.requests).toHaveLength(1);
  });
});

import type { Logger } from 'pino';
import { parseCommand } from './command.js';
import type { IpvsCommand } from './diff.js';
import { IpvsadmDriver, IpvsError } from './driver.js';
import type { IpvsDriver, SyncDaemonOptions } from './driver.js';
import { genlMessage, IPVS_GENL_NAME, IPVS_GENL_VERSION, refusalText } from './genl-ipvs.js';
import type { GenlIpvsMessage } from './genl-ipvs.js';
import type { VirtualService } from './model.js';

/** The kernel refused one message; `errno` is its code name (EEXIST). */
export class NetlinkRefusal extends Error {
  constructor(readonly errno: string) {
    super(`the kernel refused it: ${errno}`);
    this.name = 'NetlinkRefusal';
  }
}

/** A generic-netlink socket bound to the IPVS family (the seam the unit tests replace). */
export interface IpvsChannel {
  /** Resolves on the kernel's acknowledgement; rejects with NetlinkRefusal when it refused. */
  request(message: GenlIpvsMessage): Promise<void>;
  close(): void;
}

/** The channel could not be opened: why, and whether trying again later may help. */
export class ChannelUnavailable extends Error {
  constructor(
    message: string,
    readonly lasting: boolean,
  ) {
    super(message);
    this.name = 'ChannelUnavailable';
  }
}

const REQUEST_TIMEOUT_MS = 5000;
/** CTRL_CMD_GETFAMILY (linux/genetlink.h): a family's id by its name. */
const CTRL_CMD_GETFAMILY = 3;

/** What tandem uses of the `netlink` package's generic-netlink socket (the seam for its tests). */
export interface GenlSocket {
  socket: { unref(): void; close(): void; on(event: 'error', listener: (err: Error) => void): unknown };
  ctrlRequest(cmd: number, msg: { familyName: string }, options: { timeout: number }): Promise<{ familyId?: number }[]>;
  request(family: number, cmd: number, version: number, data: Uint8Array, options: { timeout: number }): Promise<unknown>;
}

export type NetlinkLoader = () => Promise<{ createGenericNetlink(): GenlSocket }>;

/** The package, loaded only when a change is made: a config without IPVS never loads it. */
const loadNetlink: NetlinkLoader = () => import('netlink');

/** Opens a generic-netlink socket and finds the kernel's IPVS family on it. */
export async function openGenlChannel(load: NetlinkLoader = loadNetlink): Promise<IpvsChannel> {
  let netlink: Awaited<ReturnType<NetlinkLoader>>;
  try {
    netlink = await load();
  } catch (err) {
    throw new ChannelUnavailable(`the netlink module does not load here: ${(err as Error).message}`, true);
  }
  const socket = netlink.createGenericNetlink();
  socket.socket.unref();
  // A receive error (ENOBUFS when acknowledgements overflowed the buffer) would otherwise be
  // thrown as an unhandled 'error' event: the socket is dropped, and the next change opens another.
  let failed: Error | undefined;
  socket.socket.on('error', (err: Error) => {
    failed = err;
    socket.socket.close();
  });
  let family: number | undefined;
  try {
    const [found] = await socket.ctrlRequest(CTRL_CMD_GETFAMILY, { familyName: IPVS_GENL_NAME }, { timeout: REQUEST_TIMEOUT_MS });
    family = found?.familyId;
  } catch (err) {
    socket.socket.close();
    // ENOENT: no IPVS family, the ip_vs module is not loaded yet (ipvsadm loads it).
    throw new ChannelUnavailable(`the kernel has no IPVS netlink family yet: ${(err as Error).message}`, false);
  }
  if (family === undefined) {
    socket.socket.close();
    throw new ChannelUnavailable('the kernel did not name the IPVS netlink family', false);
  }
  const id = family;
  return {
    async request(message) {
      if (failed) throw new Error(`the socket failed: ${failed.message}`);
      try {
        await socket.request(id, message.command, IPVS_GENL_VERSION, message.attributes, { timeout: REQUEST_TIMEOUT_MS });
      } catch (err) {
        // The package rejects a kernel error as "Request rejected: EEXIST".
        const refused = /^Request rejected: (\S+)$/.exec((err as Error).message);
        throw refused ? new NetlinkRefusal(refused[1] as string) : err;
      }
    },
    close: () => socket.socket.close(),
  };
}

export interface NetlinkDriverOptions {
  log?: Logger;
  /** ipvsadm, for reading the table, the timeouts, the sync daemon, and when netlink is unavailable. */
  ipvsadm?: IpvsDriver;
  open?: () => Promise<IpvsChannel>;
  /** Messages sent before waiting for their acknowledgements (the socket's buffer holds them). */
  window?: number;
}

/**
 * Changes the kernel's IPVS table over generic netlink from this thread, as Keepalived does:
 * the change is made inside the send, with no process in between (a waiting `ipvsadm -R` costs a
 * process switch, 2-5 ms in a slow guest). Reading the table, the timeouts and the sync daemon go
 * through ipvsadm, and so does every change when netlink cannot be had (a CPU the package has
 * no build for; ip_vs not loaded yet, which ipvsadm loads).
 */
export class NetlinkIpvsDriver implements IpvsDriver {
  private channel?: Promise<IpvsChannel>;
  private unavailable?: ChannelUnavailable;
  private readonly ipvsadm: IpvsDriver;
  private readonly open: () => Promise<IpvsChannel>;
  private readonly window: number;

  constructor(private readonly options: NetlinkDriverOptions = {}) {
    this.ipvsadm = options.ipvsadm ?? new IpvsadmDriver();
    this.open = options.open ?? (() => openGenlChannel());
    this.window = options.window ?? 64;
  }

  /** How changes reach the kernel now: 'netlink', or 'ipvsadm' with the reason. */
  transport(): string {
    return this.unavailable ? `ipvsadm (netlink: ${this.unavailable.message})` : 'netlink';
  }

  read(): Promise<VirtualService[]> {
    return this.ipvsadm.read();
  }

  private async ready(): Promise<IpvsChannel | undefined> {
    if (this.unavailable?.lasting) return undefined;
    try {
      this.channel ??= this.open();
      const channel = await this.channel;
      if (this.unavailable) this.options.log?.info('IPVS: changes go through netlink again');
      this.unavailable = undefined;
      return channel;
    } catch (err) {
      this.channel = undefined;
      const reason = err instanceof ChannelUnavailable ? err : new ChannelUnavailable((err as Error).message, false);
      if (reason.message !== this.unavailable?.message) this.options.log?.warn(`IPVS: ${reason.message}; changes go through ipvsadm`);
      this.unavailable = reason;
      return undefined;
    }
  }

  async applyBatch(commands: IpvsCommand[]): Promise<void> {
    if (!commands.length) return;
    const channel = await this.ready();
    if (!channel) return this.ipvsadm.applyBatch(commands);
    const refused: string[] = [];
    for (let start = 0; start < commands.length; start += this.window) {
      const results = await Promise.allSettled(commands.slice(start, start + this.window).map((c) => this.send(channel, c)));
      for (const r of results) {
        if (r.status === 'rejected') throw r.reason;
        if (r.value) refused.push(r.value);
      }
    }
    if (refused.length) throw new IpvsError('refused', `the kernel refused ${refused.length} of a batch of ${commands.length}: ${refused[0]}`);
  }

  async applyOne(command: IpvsCommand): Promise<void> {
    const channel = await this.ready();
    if (!channel) return this.ipvsadm.applyOne(command);
    const refused = await this.send(channel, command);
    if (refused) throw new IpvsError('refused', `the kernel refused ${refused}`, command);
  }

  /**
   * Sends one command (before its first await, so a window goes out in order): resolves with
   * nothing, or with the rule and the kernel's refusal in ipvsadm's words; rejects when the
   * socket failed.
   */
  private async send(channel: IpvsChannel, command: IpvsCommand): Promise<string | undefined> {
    const parsed = parseCommand(command);
    try {
      await channel.request(genlMessage(parsed));
      return undefined;
    } catch (err) {
      if (!(err instanceof NetlinkRefusal)) throw this.lost(err, command);
      return `${command.join(' ')}: ${refusalText(parsed.op, err.errno)}`;
    }
  }

  /** The socket failed (not the kernel refusing): drop it, the next pass opens another. */
  private lost(err: unknown, command: IpvsCommand): IpvsError {
    this.close();
    const message = (err as Error).message ?? String(err);
    const kind = /Timeout/i.test(message) ? 'timeout' : 'failed';
    return new IpvsError(kind, `IPVS netlink: ${message} (at ${command.join(' ')})`, command, { cause: err });
  }

  close(): void {
    const channel = this.channel;
    this.channel = undefined;
    channel?.then((c) => c.close(), () => undefined);
    this.ipvsadm.close?.();
  }

  setTimeouts(tcp: number, tcpfin: number, udp: number): Promise<void> {
    return this.ipvsadm.setTimeouts(tcp, tcpfin, udp);
  }

  startSyncDaemon(state: 'master' | 'backup', options: SyncDaemonOptions): Promise<void> {
    return this.ipvsadm.startSyncDaemon(state, options);
  }

  stopSyncDaemon(state: 'master' | 'backup'): Promise<void> {
    return this.ipvsadm.stopSyncDaemon(state);
  }

  syncDaemons(): Promise<('master' | 'backup')[]> {
    return this.ipvsadm.syncDaemons();
  }
}

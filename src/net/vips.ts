import type { Vip } from '../config/vip.js';
import { CommandError, run } from './exec.js';
import { warmCommand } from './warm.js';
import type { Warm } from './warm.js';

/** An address to add, with the options the config gives it (the schema has checked them). */
export type AddressOptions = Vip & { scope?: string; broadcast?: string };

/** The seam between an instance and the interface addresses it owns. */
export interface VipManager {
  add(iface: string, vips: AddressOptions[]): Promise<void>;
  remove(iface: string, vips: Vip[]): Promise<void>;
  /** Addresses currently on the interface, canonical text with prefix. */
  list(iface: string): Promise<Vip[]>;
  /** Optional: prepares a fast add for an interface. */
  prepare?(iface: string): void;
  close(): void;
}

/**
 * What `ip` says when an address to remove is not there (older and newer iproute2), or its
 * device is gone: the address is not there, as wanted.
 */
const ABSENT = /Cannot assign requested address|Address not found|No such device|Cannot find device/;

/**
 * `ip addr` through execa. Adding and removing use an `ip -force -batch -` forked ahead of time
 * (a takeover or a release then pays no fork), one for each per interface. Adding uses
 * `replace`, so an address already present is not an error; removing an absent address is
 * success too.
 */
export class IpVipManager implements VipManager {
  private readonly warm = new Map<string, Warm>();

  async add(iface: string, vips: AddressOptions[]): Promise<void> {
    // nodad: an IPv6 VIP must be usable at once, not after duplicate address detection.
    const options = (v: AddressOptions) => `${v.scope ? ` scope ${v.scope}` : ''}${v.broadcast ? ` broadcast ${v.broadcast}` : ''}${v.family === 6 ? ' nodad' : ''}`;
    const lines = vips.map((v) => `address replace ${v.address}/${v.prefix} dev ${iface}${options(v)}\n`);
    await this.warmFor('add', iface).fire(lines.join(''));
  }

  /** Prepares the fast path for an interface whose VIPs may be added soon (and removed later). */
  prepare(iface: string): void {
    this.warmFor('add', iface).arm();
    this.warmFor('remove', iface).arm();
  }

  private warmFor(what: 'add' | 'remove', iface: string): Warm {
    const key = `${what} ${iface}`;
    let w = this.warm.get(key);
    if (!w) this.warm.set(key, (w = warmCommand(['ip', '-force', '-batch', '-'], { stdinProgram: true })));
    return w;
  }

  async remove(iface: string, vips: Vip[]): Promise<void> {
    if (!vips.length) return;
    try {
      await this.warmFor('remove', iface).fire(vips.map((v) => `address del ${v.address}/${v.prefix} dev ${iface}\n`).join(''));
    } catch (err) {
      // -force goes on past a failed line; each failure is an error line and a "Command failed" line.
      const errors = err instanceof CommandError ? err.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('Command failed')) : [];
      if (!errors.length || errors.some((l) => !ABSENT.test(l))) throw err;
    }
  }

  async list(iface: string): Promise<Vip[]> {
    const out = await run('ip', ['-j', 'addr', 'show', 'dev', iface]);
    const links = JSON.parse(out || '[]') as { addr_info?: { family: string; local: string; prefixlen: number }[] }[];
    return links.flatMap((l) =>
      (l.addr_info ?? []).map((a) => ({ address: a.local, prefix: a.prefixlen, family: a.family === 'inet6' ? (6 as const) : (4 as const) })),
    );
  }

  close(): void {
    for (const w of this.warm.values()) w.close();
    this.warm.clear();
  }
}

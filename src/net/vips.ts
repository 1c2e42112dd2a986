import type { Vip } from '../config/vip.js';
import { CommandError, run } from './exec.js';
import { WarmCommand } from './warm.js';

/** The seam between an instance and the interface addresses it owns. */
export interface VipManager {
  add(iface: string, vips: Vip[]): Promise<void>;
  remove(iface: string, vips: Vip[]): Promise<void>;
  /** Addresses currently on the interface, canonical text with prefix. */
  list(iface: string): Promise<Vip[]>;
  /** Optional: prepares a fast add for an interface. */
  prepare?(iface: string): void;
  close(): void;
}

/**
 * `ip addr` through execa. Adding uses `ip -batch` forked ahead of time (a takeover then pays no
 * fork) and `replace`, so an address already present is not an error; removing an absent
 * address is success too.
 */
export class IpVipManager implements VipManager {
  private readonly warm = new Map<string, WarmCommand>();

  async add(iface: string, vips: Vip[]): Promise<void> {
    // nodad: an IPv6 VIP must be usable at once, not after duplicate address detection.
    const lines = vips.map((v) => `address replace ${v.address}/${v.prefix} dev ${iface}${v.family === 6 ? ' nodad' : ''}\n`);
    await this.warmFor(iface).fire(lines.join(''));
  }

  /** Prepares the fast path for an interface whose VIPs may be added soon. */
  prepare(iface: string): void {
    this.warmFor(iface).arm();
  }

  private warmFor(iface: string): WarmCommand {
    let w = this.warm.get(iface);
    if (!w) this.warm.set(iface, (w = new WarmCommand(['ip', '-force', '-batch', '-'], { stdinProgram: true })));
    return w;
  }

  async remove(iface: string, vips: Vip[]): Promise<void> {
    await Promise.all(
      vips.map(async (vip) => {
        try {
          await run('ip', ['addr', 'del', `${vip.address}/${vip.prefix}`, 'dev', iface]);
        } catch (err) {
          if (err instanceof CommandError && /Cannot assign requested address|No such device/.test(err.stderr)) return;
          throw err;
        }
      }),
    );
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

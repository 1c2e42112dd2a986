import type { Vip } from '../config/vip.js';
import { CommandError, run } from './exec.js';

/** The seam between an instance and the interface addresses it owns. */
export interface VipManager {
  add(iface: string, vip: Vip): Promise<void>;
  remove(iface: string, vip: Vip): Promise<void>;
  /** Addresses currently on the interface, canonical text with prefix. */
  list(iface: string): Promise<Vip[]>;
}

/** `ip addr` through execa. Adding a present address or removing an absent one is success. */
export class IpVipManager implements VipManager {
  async add(iface: string, vip: Vip): Promise<void> {
    // nodad: an IPv6 VIP must be usable at once, not after duplicate address detection.
    const extra = vip.family === 6 ? ['nodad'] : [];
    try {
      await run('ip', ['addr', 'add', `${vip.address}/${vip.prefix}`, 'dev', iface, ...extra]);
    } catch (err) {
      if (err instanceof CommandError && /File exists/.test(err.stderr)) return;
      throw err;
    }
  }

  async remove(iface: string, vip: Vip): Promise<void> {
    try {
      await run('ip', ['addr', 'del', `${vip.address}/${vip.prefix}`, 'dev', iface]);
    } catch (err) {
      if (err instanceof CommandError && /Cannot assign requested address|No such device/.test(err.stderr)) return;
      throw err;
    }
  }

  async list(iface: string): Promise<Vip[]> {
    const out = await run('ip', ['-j', 'addr', 'show', 'dev', iface]);
    const links = JSON.parse(out || '[]') as { addr_info?: { family: string; local: string; prefixlen: number }[] }[];
    return links.flatMap((l) =>
      (l.addr_info ?? []).map((a) => ({ address: a.local, prefix: a.prefixlen, family: a.family === 'inet6' ? (6 as const) : (4 as const) })),
    );
  }
}

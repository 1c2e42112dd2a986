import type { Config } from '../config/schema.js';
import type { Vip } from '../config/vip.js';
import { canonicalAddress } from '../vrrp/address.js';

/**
 * The takeover grace (pure): for a few seconds after a director takes the VIPs, the TCP packets
 * of connections to its virtual services that IPVS does not know yet are dropped instead of
 * answered with a reset. Such a connection was opened through the old master just before the
 * failover; the kernel's sync daemon tells the new master about it up to 3 s later (it holds a
 * partly filled message for 2 s and looks every 1 s). A reset would end it at once; a dropped
 * packet is sent again by the client, and the retry that comes after the sync goes through.
 *
 * The director's own stack sends those resets (IPVS passes up what it does not know, and nothing
 * listens on a virtual service), so the grace is an iptables chain jumped to from OUTPUT that
 * drops them: a reset from a VIP and service port without ACK is one that answers a segment of a
 * connection (RFC 793: a reset that answers a SYN, a new connection refused, carries an ACK and
 * still goes out). Nothing IPVS forwards passes OUTPUT.
 */
export const GRACE_CHAIN = 'TANDEM-GRACE';

export interface GraceEntry {
  family: 4 | 6;
  address: string;
  /** 0: every port (an all-port persistent service). */
  port: number;
}

/**
 * The TCP virtual services on `vips` (fwmark services are left out: their addresses are the
 * firewall's to know).
 */
export function graceEntries(services: Config['virtual_services'], vips: Vip[]): GraceEntry[] {
  const held = new Map(vips.map((v) => [v.address, v.family]));
  const entries: GraceEntry[] = [];
  for (const s of services) {
    if (s.protocol !== 'tcp' || s.address === undefined || s.port === undefined) continue;
    const address = canonicalAddress(s.address);
    const family = held.get(address);
    if (family !== undefined) entries.push({ family, address, port: s.port });
  }
  return entries;
}

/** The chain's rule for one entry, as iptables arguments after `-A CHAIN`. */
export function graceRule(e: GraceEntry): string[] {
  return ['-s', `${e.address}/${e.family === 4 ? 32 : 128}`, '-p', 'tcp', ...(e.port ? ['--sport', String(e.port)] : []), '--tcp-flags', 'RST,ACK', 'RST', '-j', 'DROP'];
}

/**
 * The iptables-restore input that makes the chain hold exactly `entries` (with --noflush, the
 * chain's line empties it first; the rest of the table is left alone).
 */
export function graceRestore(entries: GraceEntry[]): string {
  return ['*filter', `:${GRACE_CHAIN} - [0:0]`, ...entries.map((e) => `-A ${GRACE_CHAIN} ${graceRule(e).join(' ')}`), 'COMMIT', ''].join('\n');
}

/** Which entries are held until when (epoch ms): a takeover opens or renews them, time ends them. */
export class GraceWindows {
  private readonly until = new Map<string, { entry: GraceEntry; until: number }>();

  open(entries: GraceEntry[], until: number): void {
    for (const entry of entries) this.until.set(`${entry.address} ${entry.port}`, { entry, until });
  }

  /** The entries still held at `now`, of one family (those over are forgotten). */
  live(now: number, family: 4 | 6): GraceEntry[] {
    for (const [key, w] of this.until) if (w.until <= now) this.until.delete(key);
    return [...this.until.values()].filter((w) => w.entry.family === family).map((w) => w.entry);
  }

  /** When the next entry ends, if any is held. */
  nextEnd(): number | undefined {
    const ends = [...this.until.values()].map((w) => w.until);
    return ends.length ? Math.min(...ends) : undefined;
  }

  clear(): void {
    this.until.clear();
  }
}

import type { Config } from '../config/schema.js';
import type { Vip } from '../config/vip.js';
import { canonicalAddress } from '../vrrp/address.js';

/**
 * The takeover grace (pure): for a few seconds after a director takes the VIPs, the TCP packets
 * of connections to its virtual services that IPVS does not know yet are not answered with a
 * reset. Such a connection was opened through the old master just before the failover; the
 * kernel's sync daemon tells the new master about it up to 3 s later (it holds a partly filled
 * message for 2 s and looks every 1 s). A reset would end it at once; the client sends an
 * unanswered packet again, and the retry that comes after the sync goes through.
 *
 * The director's own stack sends those resets (IPVS passes up what it does not know, and nothing
 * listens on a virtual service), so the grace is an iptables chain jumped to from OUTPUT that
 * drops them: a reset from a VIP and service port without ACK is one that answers a segment of a
 * connection (RFC 793: a reset that answers a SYN, a new connection refused, carries an ACK and
 * still goes out). Nothing IPVS forwards passes OUTPUT.
 *
 * The chain holds a rule per TCP service on a VIP from start to stop; each rule drops only while
 * its VIP is on the kernel's recent list (xt_recent) and was put there less than the grace ago.
 * A takeover puts its VIPs there with a write to /proc, no command, and the kernel ends the
 * grace by itself.
 */
export const GRACE_CHAIN = 'TANDEM-GRACE';
/** The xt_recent list of VIPs taken over: /proc/net/xt_recent/TANDEM-GRACE. */
export const GRACE_LIST = 'TANDEM-GRACE';

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
export function graceRule(e: GraceEntry, seconds: number): string[] {
  const port = e.port ? ['--sport', String(e.port)] : [];
  const recent = ['-m', 'recent', '--name', GRACE_LIST, '--rsource', '--rcheck', '--seconds', String(Math.max(1, Math.ceil(seconds)))];
  return ['-s', `${e.address}/${e.family === 4 ? 32 : 128}`, '-p', 'tcp', ...port, '--tcp-flags', 'RST,ACK', 'RST', ...recent, '-j', 'DROP'];
}

/**
 * The iptables-restore input that makes the chain hold exactly the rules of `entries` (with
 * --noflush, the chain's line empties it first; the rest of the table is left alone).
 */
export function graceRestore(entries: GraceEntry[], seconds: number): string {
  return ['*filter', `:${GRACE_CHAIN} - [0:0]`, ...entries.map((e) => `-A ${GRACE_CHAIN} ${graceRule(e, seconds).join(' ')}`), 'COMMIT', ''].join('\n');
}

/** The VIPs of `entries`, each once: what a takeover puts on the recent list. */
export function graceAddresses(entries: GraceEntry[]): string[] {
  return [...new Set(entries.map((e) => e.address))];
}

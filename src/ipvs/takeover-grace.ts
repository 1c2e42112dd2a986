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
 * The nftables chain hooks input after IPVS (priority 150; IPVS takes its packets at 98 and 99),
 * so it sees only what IPVS let through to the director's own stack, which has no listener on a
 * virtual service and would reset. SYNs pass: a new connection that IPVS refused is refused.
 */
export const GRACE_TABLE = 'tandem_grace';

/** What a takeover opens the grace for: VIP and port of each TCP service, and VIPs of all-port services. */
export interface GraceEntries {
  ports: { family: 4 | 6; address: string; port: number }[];
  hosts: { family: 4 | 6; address: string }[];
}

/** The table, built afresh (an earlier run's is replaced). */
export function graceRuleset(): string {
  return [
    `table inet ${GRACE_TABLE} {}`,
    `delete table inet ${GRACE_TABLE}`,
    `table inet ${GRACE_TABLE} {`,
    '  set ports4 { type ipv4_addr . inet_service; flags timeout; }',
    '  set ports6 { type ipv6_addr . inet_service; flags timeout; }',
    '  set hosts4 { type ipv4_addr; flags timeout; }',
    '  set hosts6 { type ipv6_addr; flags timeout; }',
    '  chain strays {',
    '    type filter hook input priority 150; policy accept;',
    '    tcp flags & syn == 0 ip daddr . tcp dport @ports4 counter drop',
    '    tcp flags & syn == 0 ip6 daddr . tcp dport @ports6 counter drop',
    '    tcp flags & syn == 0 ip daddr @hosts4 counter drop',
    '    tcp flags & syn == 0 ip6 daddr @hosts6 counter drop',
    '  }',
    '}',
    '',
  ].join('\n');
}

export function graceRemoval(): string {
  return `table inet ${GRACE_TABLE} {}\ndelete table inet ${GRACE_TABLE}\n`;
}

/**
 * The TCP virtual services on `vips` (fwmark services are left out: their addresses are the
 * firewall's to know).
 */
export function graceEntries(services: Config['virtual_services'], vips: Vip[]): GraceEntries {
  const held = new Map(vips.map((v) => [v.address, v.family]));
  const entries: GraceEntries = { ports: [], hosts: [] };
  for (const s of services) {
    if (s.protocol !== 'tcp' || s.address === undefined || s.port === undefined) continue;
    const address = canonicalAddress(s.address);
    const family = held.get(address);
    if (family === undefined) continue;
    if (s.port === 0) entries.hosts.push({ family, address });
    else entries.ports.push({ family, address, port: s.port });
  }
  return entries;
}

/**
 * The nft input that opens the grace for `seconds`, or renews it: each element is added, deleted
 * and added again in one transaction, since adding an element already there keeps its old
 * timeout. Empty when there is nothing to hold.
 */
export function graceOpening(entries: GraceEntries, seconds: number): string {
  const ms = Math.max(1, Math.round(seconds * 1000));
  const lines: string[] = [];
  const put = (set: string, keys: string[]) => {
    if (!keys.length) return;
    const plain = keys.join(', ');
    const timed = keys.map((k) => `${k} timeout ${ms}ms`).join(', ');
    lines.push(`add element inet ${GRACE_TABLE} ${set} { ${timed} }`, `delete element inet ${GRACE_TABLE} ${set} { ${plain} }`, `add element inet ${GRACE_TABLE} ${set} { ${timed} }`);
  };
  for (const family of [4, 6] as const) {
    put(`ports${family}`, entries.ports.filter((e) => e.family === family).map((e) => `${e.address} . ${e.port}`));
    put(`hosts${family}`, entries.hosts.filter((e) => e.family === family).map((e) => e.address));
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

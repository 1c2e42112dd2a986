import type { Config } from '../config/schema.js';
import { addressFamily, canonicalAddress } from '../vrrp/address.js';

/**
 * Full NAT on a mainline kernel (pure). Alibaba's FULLNAT rewrote the client's source address
 * too, so that a real server answers the director whatever its routes; it needed a patched
 * kernel. Here a `fullnat` real server is an IPVS NAT (masquerading) destination, and the
 * connections IPVS sends to it are source-NATed by netfilter on the way out
 * (`net.ipv4.vs.conntrack=1` lets netfilter's conntrack follow IPVS connections, and the
 * `ipvs` match picks exactly them): the real server sees the director's address on its own
 * network and answers it. That address is the one the director's route to the server picks
 * (`ip route get`), given to SNAT: MASQUERADE would find it by itself, but not every kernel has
 * it (User-mode Linux's has SNAT only). The price: the real server no longer sees the client's
 * address.
 *
 * The rules live in a chain of the nat table jumped to from POSTROUTING, one rule per fullnat
 * real server of each service, kept equal to the config as the IPVS table is.
 */
export const FULLNAT_CHAIN = 'TANDEM-FULLNAT';

export interface FullNatEntry {
  family: 4 | 6;
  /** The virtual service's protocol; undefined for a firewall-mark service. */
  protocol?: 'tcp' | 'udp' | 'sctp';
  /** The virtual address and port; undefined for a firewall-mark service. */
  vaddr?: string;
  vport?: number;
  server: string;
  /** 0: every port (a firewall-mark service's server). */
  port: number;
}

/** The fullnat real servers of the config's services. */
export function fullNatEntries(services: Config['virtual_services']): FullNatEntry[] {
  const entries: FullNatEntry[] = [];
  for (const s of services) {
    const protocol = s.protocol === 'fwmark' ? undefined : s.protocol;
    for (const rs of [...s.real_servers, ...(s.sorry_server ? [s.sorry_server] : [])]) {
      if (rs.method !== 'fullnat') continue;
      const server = canonicalAddress(rs.address);
      entries.push({
        family: addressFamily(server),
        protocol,
        vaddr: s.address === undefined ? undefined : canonicalAddress(s.address),
        vport: s.port,
        server,
        port: rs.port,
      });
    }
  }
  return entries;
}

/** One entry's rule, as iptables arguments after `-A CHAIN`: its connections leave from `source`. */
export function fullNatRule(e: FullNatEntry, source: string): string[] {
  const bits = e.family === 4 ? 32 : 128;
  const virtual = e.vaddr !== undefined && e.protocol ? ['--vproto', e.protocol, '--vaddr', `${e.vaddr}/${bits}`, ...(e.vport ? ['--vport', String(e.vport)] : [])] : [];
  const server = ['-d', `${e.server}/${bits}`, ...(e.protocol && e.port ? ['-p', e.protocol, '--dport', String(e.port)] : [])];
  return ['-m', 'ipvs', '--ipvs', '--vdir', 'ORIGINAL', '--vmethod', 'MASQ', ...virtual, ...server, '-j', 'SNAT', '--to-source', source];
}

/**
 * The iptables-restore input that makes the chain hold exactly the rules of `entries` whose
 * server has a source in `sources` (with --noflush, the chain's line empties it first; the
 * rest of the nat table is left alone).
 */
export function fullNatRestore(entries: FullNatEntry[], sources: ReadonlyMap<string, string>): string {
  const rules = entries.flatMap((e) => {
    const source = sources.get(e.server);
    return source ? [`-A ${FULLNAT_CHAIN} ${fullNatRule(e, source).join(' ')}`] : [];
  });
  return ['*nat', `:${FULLNAT_CHAIN} - [0:0]`, ...rules, 'COMMIT', ''].join('\n');
}

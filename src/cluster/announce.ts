import type { Config } from '../config/schema.js';
import { serviceName } from '../config/service-name.js';
import { addressFamily, canonicalAddress } from '../vrrp/address.js';

/*
 * Cluster mode (pure): which virtual addresses this director announces, and the BIRD config
 * that announces them. Each address is announced while every virtual service on it has its
 * quorum: a director whose real servers are gone stops drawing the routers' flows.
 */

/** The addresses the config announces (its own list, or every service's address), canonical. */
export function announceAddresses(config: Config): string[] {
  if (!config.announce) return [];
  const listed = config.announce.addresses ?? config.virtual_services.flatMap((s) => (s.address === undefined ? [] : [s.address]));
  return [...new Set(listed.map(canonicalAddress))];
}

/** The addresses to announce now: those whose services all have their quorum. */
export function announcedNow(config: Config, hasQuorum: (service: string) => boolean): string[] {
  return announceAddresses(config).filter((address) =>
    config.virtual_services.filter((s) => s.address !== undefined && canonicalAddress(s.address) === address).every((s) => hasQuorum(serviceName(s))),
  );
}

/**
 * The file tandem writes for BIRD: one static protocol per family (`NAME` for IPv4, `NAME6`
 * for IPv6), each a blackhole host route per announced address. BIRD exports them to its BGP
 * neighbours with its own address as next hop; the route itself is never used here (the
 * address is local). Both protocols are always there, empty when nothing is announced, so that
 * bird.conf can always refer to them.
 */
export function birdStaticConfig(protocol: string, addresses: string[]): string {
  const family = (f: 4 | 6) => addresses.filter((a) => addressFamily(a) === f).map((a) => `  route ${a}/${f === 4 ? 32 : 128} blackhole;`);
  return [
    '# Written by tandem (announce): the addresses this director announces. Do not edit.',
    `protocol static ${protocol} {`,
    '  ipv4;',
    ...family(4),
    '}',
    `protocol static ${protocol}6 {`,
    '  ipv6;',
    ...family(6),
    '}',
    '',
  ].join('\n');
}

import type { Config, InstanceConfig } from '../config/schema.js';
import { instanceVips } from '../config/vip.js';
import { canonicalAddress, isLinkLocal6 } from '../vrrp/address.js';
import type { Seams } from './seams.js';
import { announceAddresses } from '../cluster/announce.js';

/** Where the adverts of a config leave from: each instance's source, and where to join the group. */
export interface Endpoints {
  byInstance: Map<string, string>;
  /** The distinct source addresses: one sender each. */
  sources: string[];
  /** The sources on whose interface the receiver joins the multicast group. */
  joinOn: string[];
}

/** Where a running instance advertises from now: its source address, on its interface. */
export interface CurrentSource {
  address: string;
  iface: string;
}

/**
 * Each instance's advert source (the interfaces are read once), the senders and the joins.
 * `current`: the sources the instances use now (a reload), kept while still right.
 */
export function advertEndpoints(config: Config, addresses: Seams['addresses'], current: ReadonlyMap<string, CurrentSource> = new Map()): Endpoints {
  const held = heldAddresses(config);
  const byInstance = new Map(config.instances.map((inst) => [inst.name, sourceAddress(inst, addresses, held, current.get(inst.name))]));
  const multicast = config.instances.filter((i) => !i.unicast_peers?.length).map((i) => byInstance.get(i.name) as string);
  return { byInstance, sources: [...new Set(byInstance.values())], joinOn: [...new Set(multicast)] };
}

/** Addresses tandem itself puts on interfaces (VIPs, static addresses, cluster addresses): never a source. */
function heldAddresses(config: Config): Set<string> {
  const vips = [...config.instances.flatMap(instanceVips), ...instanceVips({ vips: config.static_addresses })].map((v) => v.address);
  return new Set([...vips, ...(config.announce ? announceAddresses(config) : [])]);
}

/**
 * The instance's advert source: configured, or the interface's first IPv4 address that is not
 * an address tandem holds, or on an IPv6-only link its first global (or unique local) IPv6
 * address that is not. Link-local IPv6 addresses are not used: a socket bound to one needs its
 * zone in every call. The source in use is kept while it is still such an address: the kernel
 * lists a link-scope address before global ones, so one added since start (a static address,
 * an operator's) would otherwise move the instance's adverts at a reload.
 */
function sourceAddress(inst: InstanceConfig, addresses: Seams['addresses'], held: Set<string>, current: CurrentSource | undefined): string {
  // Canonical text: our own adverts come back with the sender as the decoder writes it.
  if (inst.source_address) return canonicalAddress(inst.source_address);
  const usable = addresses(inst.interface).filter((a) => !held.has(a.address) && (a.family === 4 || !isLinkLocal6(a.address)));
  const found = usable.find((a) => a.address === current?.address) ?? usable.find((a) => a.family === 4) ?? usable[0];
  // A running instance whose interface has lost its addresses (a network manager restarting)
  // keeps its source: it is in FAULT until the address is back, and a reload meanwhile (a key
  // rotated) must still apply, or the director would keep the old key after the address returns.
  if (!found && current && current.iface === inst.interface && !held.has(current.address)) return current.address;
  if (!found) {
    throw new Error(`instance ${inst.name}: interface ${inst.interface} has no IPv4 or global IPv6 address of its own; add one or set source_address`);
  }
  return found.address;
}

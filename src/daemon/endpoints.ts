import type { Config, InstanceConfig } from '../config/schema.js';
import { instanceVips } from '../config/vip.js';
import { canonicalAddress, isLinkLocal6 } from '../vrrp/address.js';
import type { Seams } from './seams.js';

/** Where the adverts of a config leave from: each instance's source, and where to join the group. */
export interface Endpoints {
  byInstance: Map<string, string>;
  /** The distinct source addresses: one sender each. */
  sources: string[];
  /** The sources on whose interface the receiver joins the multicast group. */
  joinOn: string[];
}

/** Each instance's advert source (the interfaces are read once), the senders and the joins. */
export function advertEndpoints(config: Config, addresses: Seams['addresses']): Endpoints {
  const byInstance = new Map(config.instances.map((inst) => [inst.name, sourceAddress(inst, addresses)]));
  const multicast = config.instances.filter((i) => !i.unicast_peers?.length).map((i) => byInstance.get(i.name) as string);
  return { byInstance, sources: [...new Set(byInstance.values())], joinOn: [...new Set(multicast)] };
}

/**
 * The instance's advert source: configured, or the interface's first IPv4 address that is not
 * a VIP, or on an IPv6-only link its first global (or unique local) IPv6 address that is not.
 * Link-local IPv6 addresses are not used: a socket bound to one needs its zone in every call.
 */
function sourceAddress(inst: InstanceConfig, addresses: Seams['addresses']): string {
  // Canonical text: our own adverts come back with the sender as the decoder writes it.
  if (inst.source_address) return canonicalAddress(inst.source_address);
  const vips = new Set(instanceVips(inst).map((v) => v.address));
  const own = addresses(inst.interface).filter((a) => !vips.has(a.address));
  const found = own.find((a) => a.family === 4) ?? own.find((a) => a.family === 6 && !isLinkLocal6(a.address));
  if (!found) {
    throw new Error(`instance ${inst.name}: interface ${inst.interface} has no IPv4 or global IPv6 address of its own; add one or set source_address`);
  }
  return found.address;
}

import type { RealServerConfig, SorryServerConfig, VirtualServiceConfig } from '../config/schema.js';
import type { Placement } from '../check/pool.js';
import { canonicalAddress } from '../vrrp/address.js';
import type { Method, RealServer, VirtualService } from './model.js';

/** fullnat is masquerading in IPVS; the source NAT is netfilter's (fullnat.ts). */
const METHODS: Record<RealServerConfig['method'], Method> = { nat: 'masq', dr: 'gate', tun: 'ipip', fullnat: 'masq' };

/**
 * The kernel keeps a DR or TUN real server on the service's own port (0 for a firewall mark):
 * those methods cannot change the port. The desired table says so too, or it would never match.
 */
function realServer(rs: SorryServerConfig, servicePort: number | undefined, weight = rs.weight): RealServer {
  return {
    address: canonicalAddress(rs.address),
    port: rs.method === 'nat' || rs.method === 'fullnat' ? rs.port : (servicePort ?? 0),
    method: METHODS[rs.method],
    weight,
    upper: rs.upper_threshold,
    lower: rs.lower_threshold,
  };
}

/** How health and quorum place one service's servers: one placement per real server, in order. */
export interface ServiceView {
  placements: Placement[];
  /** Below quorum: the sorry server takes the new connections. */
  belowQuorum: boolean;
}

/** Without health checks: every server in, with its weight; below quorum when there is none. */
export function staticView(vs: VirtualServiceConfig): ServiceView {
  return { placements: vs.real_servers.map((rs) => ({ include: true, weight: rs.weight })), belowQuorum: vs.real_servers.length === 0 };
}

/**
 * The IPVS table the config asks for, given how health places each service's servers. Below
 * quorum with a sorry server, the sorry server takes the new connections and the servers still
 * in the table keep theirs at weight 0.
 */
export function desiredTable(services: VirtualServiceConfig[], view: (vs: VirtualServiceConfig, index: number) => ServiceView = staticView): VirtualService[] {
  return services.map((vs, index) => {
    const { placements, belowQuorum } = view(vs, index);
    const sorry = belowQuorum && vs.sorry_server !== undefined;
    const servers = vs.real_servers.flatMap((rs, r) => {
      const p = placements[r];
      return p?.include ? [realServer(rs, vs.port, sorry ? 0 : p.weight)] : [];
    });
    if (sorry) {
      const spare = realServer(vs.sorry_server as SorryServerConfig, vs.port);
      // A sorry server that is also a real server of the service appears once, as the sorry server.
      const same = servers.findIndex((s) => s.address === spare.address && s.port === spare.port);
      if (same >= 0) servers.splice(same, 1);
      servers.push(spare);
    }
    const family = vs.protocol === 'fwmark' ? (vs.family === 'ipv6' ? 6 : 4) : (vs.address as string).includes(':') ? 6 : 4;
    return {
      protocol: vs.protocol,
      address: vs.address === undefined ? undefined : canonicalAddress(vs.address),
      port: vs.port,
      fwmark: vs.fwmark,
      family,
      scheduler: vs.scheduler,
      flags: [...vs.scheduler_flags].sort(),
      persistence: vs.persistence?.timeout,
      netmask: vs.persistence?.netmask,
      ...(vs.one_packet ? { ops: true as const } : {}),
      realServers: servers,
    };
  });
}

import type { RealServerConfig, VirtualServiceConfig } from '../config/schema.js';
import { canonicalAddress } from '../vrrp/address.js';
import type { Method, RealServer, VirtualService } from './model.js';

const METHODS: Record<RealServerConfig['method'], Method> = { nat: 'masq', dr: 'gate', tun: 'ipip' };

/**
 * The kernel keeps a DR or TUN real server on the service's own port (0 for a firewall mark):
 * those methods cannot change the port. The desired table says so too, or it would never match.
 */
function realServer(rs: RealServerConfig, servicePort: number | undefined): RealServer {
  return {
    address: canonicalAddress(rs.address),
    port: rs.method === 'nat' ? rs.port : (servicePort ?? 0),
    method: METHODS[rs.method],
    weight: rs.weight,
    upper: rs.upper_threshold,
    lower: rs.lower_threshold,
  };
}

/**
 * The IPVS table the config asks for. `isUp` says which real servers are in service (all of them
 * until health checks decide otherwise); a service with none takes its sorry server.
 */
export function desiredTable(services: VirtualServiceConfig[], isUp: (vs: VirtualServiceConfig, rs: RealServerConfig) => boolean = () => true): VirtualService[] {
  return services.map((vs) => {
    const up = vs.real_servers.filter((rs) => isUp(vs, rs)).map((rs) => realServer(rs, vs.port));
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
      realServers: up.length || !vs.sorry_server ? up : [realServer(vs.sorry_server, vs.port)],
    };
  });
}

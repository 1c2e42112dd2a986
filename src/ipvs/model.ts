/*
 * The IPVS table as data: virtual services and their real servers, in the terms ipvsadm uses.
 * Both the desired table (from the config) and the actual one (parsed from `ipvsadm -Sn`)
 * are values of these types, so the difference between them is a pure function.
 */

export type Protocol = 'tcp' | 'udp' | 'fwmark';
/** ipvsadm's names: -m masquerading (NAT), -g gatewaying (DR), -i ipip (TUN). */
export type Method = 'masq' | 'gate' | 'ipip';

export interface ServiceKey {
  protocol: Protocol;
  /** For tcp/udp: the VIP (canonical text). */
  address?: string;
  port?: number;
  /** For fwmark services. */
  fwmark?: number;
  /** Address family; matters for fwmark services (`-6`). */
  family: 4 | 6;
}

export interface RealServer {
  address: string;
  port: number;
  method: Method;
  weight: number;
  /** Upper and lower connection thresholds; 0 means none. */
  upper: number;
  lower: number;
}

export interface VirtualService extends ServiceKey {
  scheduler: string;
  /** Scheduler flags (-b), sorted: sh-fallback, sh-port, mh-fallback, mh-port, flag-1... */
  flags: string[];
  /** Persistence timeout in seconds; undefined when not persistent. */
  persistence?: number;
  /** Persistence netmask (-M), when not the default. */
  netmask?: string;
  /** One-packet scheduling (-o, --ops): each UDP datagram is scheduled on its own. */
  ops?: true;
  realServers: RealServer[];
}

export function formatHostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The service as ipvsadm names it on the command line: `-t 192.0.2.1:80`, `-f 5`. */
export function serviceArgs(s: ServiceKey): string[] {
  if (s.protocol === 'fwmark') return s.family === 6 ? ['-f', String(s.fwmark), '-6'] : ['-f', String(s.fwmark)];
  return [s.protocol === 'tcp' ? '-t' : '-u', formatHostPort(s.address as string, s.port as number)];
}

export function serviceId(s: ServiceKey): string {
  return serviceArgs(s).join(' ');
}

export function realServerId(r: Pick<RealServer, 'address' | 'port'>): string {
  return formatHostPort(r.address, r.port);
}

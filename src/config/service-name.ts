import type { VirtualServiceConfig } from './schema.js';

/** A service's name for logs, status and track_services: its `name`, else as ipvsadm writes it. */
export function serviceName(vs: VirtualServiceConfig): string {
  if (vs.name) return vs.name;
  if (vs.protocol === 'fwmark') return `fwmark ${vs.fwmark}${vs.family === 'ipv6' ? ' ipv6' : ''}`;
  const address = vs.address ?? '';
  return `${vs.protocol} ${address.includes(':') ? `[${address}]` : address}:${vs.port}`;
}

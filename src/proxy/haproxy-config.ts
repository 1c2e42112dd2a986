/*
 * The services whose client address is passed on (`client_address`), as HAProxy runs them
 * (pure). IPVS forwards packets and cannot add a PROXY protocol header or an HTTP header to a
 * stream; HAProxy can. Such a service is fullnat (its real servers answer the director), so a
 * proxy on the director changes nothing for their routes.
 *
 * tandem's checks stay the only judge of health: HAProxy runs no checks of its own. Its
 * servers are every configured real server (and the sorry server) of the service, each in or
 * out and weighted as the desired table says; the config file carries those states, so a
 * reload (a change of services) starts right, and between reloads the states move through the
 * runtime API (`set server ... state`, `set weight`), which costs no reload.
 */
import type { SorryServerConfig, VirtualServiceConfig } from '../config/schema.js';
import type { VirtualService } from '../ipvs/model.js';
import { canonicalAddress } from '../vrrp/address.js';

/** IPVS schedulers that HAProxy has a match for (rules.ts refuses the others). */
export const PROXY_SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'sed', 'nq', 'sh', 'mh'];

/** HAProxy's largest server weight. */
export const PROXY_MAX_WEIGHT = 256;

const BALANCE: Record<string, string[]> = {
  rr: ['balance roundrobin'],
  wrr: ['balance roundrobin'],
  lc: ['balance leastconn'],
  wlc: ['balance leastconn'],
  sed: ['balance leastconn'],
  nq: ['balance leastconn'],
  // Source hashing; mh's Maglev is a consistent hash, which HAProxy's consistent hashing matches.
  sh: ['balance source'],
  mh: ['balance source', 'hash-type consistent'],
};

/** One proxied service: its config and its row of the desired table. */
export interface ProxiedService {
  config: VirtualServiceConfig;
  table: VirtualService;
}

export interface ProxySockets {
  /** The workers' runtime API (also hands the listeners to the next worker at a reload). */
  worker: string;
}

/** A server's place: in with a weight, or out (maintenance). */
export type ServerState = { weight: number } | null;

/** `BACKEND/SERVER` -> its state, for every server of every proxied service. */
export type ProxyStates = Map<string, ServerState>;

/** The config as IPVS sees it: without the services the proxy carries. */
export function ipvsPart<C extends { virtual_services: VirtualServiceConfig[] }>(config: C): C {
  return config.virtual_services.some((vs) => vs.client_address) ? { ...config, virtual_services: config.virtual_services.filter((vs) => !vs.client_address) } : config;
}

/** The proxied services with their rows of the desired table (one row per configured service). */
export function proxiedPart(services: VirtualServiceConfig[], table: VirtualService[]): ProxiedService[] {
  return services.flatMap((config, i) => {
    const row = table[i];
    return config.client_address && row ? [{ config, table: row }] : [];
  });
}

/** The rows of the desired table IPVS keeps (one row per configured service): the others are the proxy's. */
export function ipvsRows(services: VirtualServiceConfig[], table: VirtualService[]): VirtualService[] {
  return table.filter((_, i) => !services[i]?.client_address);
}

/** The backend (and frontend) name of the i-th proxied service. */
export function backendName(index: number): string {
  return `svc${index}`;
}

/** The servers HAProxy knows for a service: its real servers and sorry server, each address:port once. */
function serversOf(vs: VirtualServiceConfig): { name: string; address: string; port: number }[] {
  const seen = new Set<string>();
  const out: { name: string; address: string; port: number }[] = [];
  for (const rs of [...vs.real_servers, ...(vs.sorry_server ? [vs.sorry_server as SorryServerConfig] : [])]) {
    const address = canonicalAddress(rs.address);
    const key = `${address} ${rs.port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ name: `s${out.length}`, address, port: rs.port });
  }
  return out;
}

/** Where each proxied service's servers stand, as the desired table says. */
export function proxyStates(services: ProxiedService[]): ProxyStates {
  const states: ProxyStates = new Map();
  services.forEach((s, i) => {
    const wanted = new Map(s.table.realServers.map((rs) => [`${rs.address} ${rs.port}`, rs.weight]));
    for (const srv of serversOf(s.config)) {
      const weight = wanted.get(`${srv.address} ${srv.port}`);
      states.set(`${backendName(i)}/${srv.name}`, weight === undefined ? null : { weight });
    }
  });
  return states;
}

const bracket = (address: string) => (address.includes(':') ? `[${address}]` : address);

/**
 * The whole HAProxy config: the states baked in. `structure` leaves the states out: two
 * configs with the same structure differ only in what the runtime API can change.
 */
export function haproxyConfig(services: ProxiedService[], sockets: ProxySockets, ipvsTcpTimeout = 900): { text: string; structure: string } {
  const states = proxyStates(services);
  return { text: render(services, sockets, ipvsTcpTimeout, states), structure: render(services, sockets, ipvsTcpTimeout) };
}

/** The config text; without `states`, the server lines carry no weight or state. */
function render(services: ProxiedService[], sockets: ProxySockets, ipvsTcpTimeout: number, states?: ProxyStates): string {
  const lines = [
    'global',
    `    stats socket ${sockets.worker} mode 600 level admin expose-fd listeners`,
    '    log stderr format short local0 notice',
    '',
    'defaults',
    '    log global',
    '    timeout connect 5s',
    // As long as IPVS keeps an idle TCP connection (its tcp timeout; 900 s by default).
    `    timeout client ${ipvsTcpTimeout}s`,
    `    timeout server ${ipvsTcpTimeout}s`,
    '    timeout http-request 30s',
    '',
  ];
  services.forEach((s, i) => {
    const vs = s.config;
    const name = backendName(i);
    const http = vs.client_address?.http_header !== undefined;
    const mode = http ? 'http' : 'tcp';
    const persistence = vs.persistence
      ? [
          `    stick-table type ${s.table.family === 6 ? 'ipv6' : 'ip'} size 1m expire ${vs.persistence.timeout}s`,
          `    stick on src${vs.persistence.netmask ? `,ipmask(${vs.persistence.netmask})` : ''}`,
        ]
      : [];
    const send = vs.client_address?.proxy_protocol === 2 ? ' send-proxy-v2' : vs.client_address?.proxy_protocol === 1 ? ' send-proxy' : '';
    lines.push(
      `# ${s.table.protocol} ${bracket(s.table.address ?? '')}:${s.table.port}${vs.name ? ` (${vs.name})` : ''}`,
      `frontend ${name}`,
      `    mode ${mode}`,
      // transparent: bound while the VIP is on the other director, ready when it comes here.
      `    bind ${bracket(s.table.address ?? '')}:${s.table.port} transparent`,
      `    default_backend ${name}`,
      '',
      `backend ${name}`,
      `    mode ${mode}`,
      ...(BALANCE[vs.scheduler] ?? BALANCE.wlc ?? []).map((l) => `    ${l}`),
      ...persistence,
      ...(http ? [`    option forwardfor header ${vs.client_address?.http_header}`] : []),
      ...serversOf(vs).map((srv) => {
        const line = `    server ${srv.name} ${bracket(srv.address)}:${srv.port}${send}`;
        if (!states) return line;
        const state = states.get(`${name}/${srv.name}`);
        return state ? `${line} weight ${state.weight}` : `${line} weight 1 disabled`;
      }),
      '',
    );
  });
  return lines.join('\n');
}

/** The runtime API commands that take HAProxy's servers from `from` to `to` (same structure). */
export function stateCommands(from: ProxyStates, to: ProxyStates): string[] {
  const commands: string[] = [];
  for (const [server, want] of to) {
    const had = from.get(server);
    if (want === null) {
      if (had !== null) commands.push(`set server ${server} state maint`);
      continue;
    }
    if (had?.weight !== want.weight) commands.push(`set weight ${server} ${want.weight}`);
    if (!had) commands.push(`set server ${server} state ready`);
  }
  return commands;
}

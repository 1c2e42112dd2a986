import { canonicalAddress } from '../vrrp/address.js';
import type { Method, Protocol, RealServer, VirtualService } from './model.js';
import { serviceId } from './model.js';

/** The table in `ipvsadm -Sn` could not be read: which line, and why. */
export class IpvsParseError extends Error {
  constructor(
    readonly line: number,
    readonly text: string,
    reason: string,
  ) {
    super(`ipvsadm -Sn line ${line}: ${reason}: ${text}`);
    this.name = 'IpvsParseError';
  }
}

/** `192.0.2.1:80` or `[2001:db8::1]:80` -> address and port. */
export function parseHostPort(text: string): { address: string; port: number } | undefined {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(text) ?? /^([0-9.]+):(\d+)$/.exec(text);
  if (!m) return undefined;
  try {
    return { address: canonicalAddress(m[1] as string), port: Number(m[2]) };
  } catch {
    return undefined;
  }
}

const METHODS: Record<string, Method> = { '-m': 'masq', '-g': 'gate', '-i': 'ipip' };

/**
 * Reads the output of `ipvsadm -Sn` (the save format: one `-A` line per virtual service, one
 * `-a` line per real server) into the model. Options it does not model are an error, never
 * silently dropped, so a table tandem cannot represent is noticed.
 */
export function parseIpvsSave(output: string): VirtualService[] {
  const services = new Map<string, VirtualService>();
  output.split('\n').forEach((raw, index) => {
    const text = raw.trim();
    if (!text) return;
    const fail = (reason: string): never => {
      throw new IpvsParseError(index + 1, text, reason);
    };
    const tokens = text.split(/\s+/);
    const command = tokens.shift();
    let protocol: Protocol | undefined;
    let address: string | undefined;
    let port: number | undefined;
    let fwmark: number | undefined;
    let family: 4 | 6 = 4;
    const svc = { scheduler: 'wlc', flags: [] as string[], persistence: undefined as number | undefined, netmask: undefined as string | undefined, ops: undefined as true | undefined };
    const rs = { address: '', port: 0, method: 'gate' as Method, weight: 1, upper: 0, lower: 0, seen: false };
    const value = (option: string): string => tokens.shift() ?? fail(`${option} needs a value`);
    while (tokens.length) {
      const option = tokens.shift() as string;
      switch (option) {
        case '-t':
        case '-u': {
          protocol = option === '-t' ? 'tcp' : 'udp';
          const hp = parseHostPort(value(option)) ?? fail('bad service address');
          ({ address, port } = hp);
          family = address.includes(':') ? 6 : 4;
          break;
        }
        case '-f':
          protocol = 'fwmark';
          fwmark = Number(value(option));
          break;
        case '-6':
          family = 6;
          break;
        case '-s':
          svc.scheduler = value(option);
          break;
        case '-b':
          svc.flags = value(option).split(',').sort();
          break;
        case '-p':
          svc.persistence = Number(value(option));
          break;
        case '-M':
          svc.netmask = value(option);
          break;
        case '-o':
          svc.ops = true;
          break;
        case '-r': {
          const hp = parseHostPort(value(option)) ?? fail('bad real server address');
          rs.address = hp.address;
          rs.port = hp.port;
          rs.seen = true;
          break;
        }
        case '-m':
        case '-g':
        case '-i':
          rs.method = METHODS[option] as Method;
          break;
        case '-w':
          rs.weight = Number(value(option));
          break;
        case '-x':
          rs.upper = Number(value(option));
          break;
        case '-y':
          rs.lower = Number(value(option));
          break;
        case '--tun-type': {
          // ipvsadm 1.31 prints the tunnel type of TUN servers; ipip is the only one modelled.
          const type = value(option);
          if (type !== 'ipip') fail(`tunnel type ${type} is not supported (only ipip)`);
          break;
        }
        default:
          fail(`unknown option ${option}`);
      }
    }
    if (!protocol) fail('no virtual service (-t, -u or -f)');
    const key = { protocol: protocol as Protocol, address, port, fwmark, family };
    const id = serviceId(key);
    if (command === '-A') {
      services.set(id, { ...key, ...svc, realServers: [] });
    } else if (command === '-a') {
      if (!rs.seen) fail('a real server line without -r');
      const service = services.get(id) ?? fail('a real server of a service not declared above');
      const server: RealServer = { address: rs.address, port: rs.port, method: rs.method, weight: rs.weight, upper: rs.upper, lower: rs.lower };
      service.realServers.push(server);
    } else {
      fail(`unknown command ${command}`);
    }
  });
  return [...services.values()];
}

/**
 * `ipvsadm -Sn` does not print connection thresholds; `ipvsadm -Ln --thresholds` does. Returns
 * "service id -> real server id -> [upper, lower]" to complete the saved table.
 */
export function parseThresholds(output: string): Map<string, Map<string, [number, number]>> {
  const table = new Map<string, Map<string, [number, number]>>();
  let current: Map<string, [number, number]> | undefined;
  for (const line of output.split('\n')) {
    const svc = /^(TCP|UDP)\s+(\S+)\s/.exec(line) ?? /^(FWM)\s+(\d+)(\s+IPv6)?\s/.exec(line);
    if (svc) {
      const kind = svc[1] as string;
      let id: string;
      if (kind === 'FWM') id = svc[3] ? `-f ${svc[2]} -6` : `-f ${svc[2]}`;
      else {
        const hp = parseHostPort(svc[2] as string);
        id = hp ? serviceId({ protocol: kind === 'TCP' ? 'tcp' : 'udp', address: hp.address, port: hp.port, family: 4 }) : '';
      }
      current = new Map();
      table.set(id, current);
      continue;
    }
    const rs = /^\s+->\s+(\S+)\s+(\d+)\s+(\d+)\s/.exec(line);
    const hp = rs && parseHostPort(rs[1] as string);
    if (rs && hp && current) current.set(`${hp.address}|${hp.port}`, [Number(rs[2]), Number(rs[3])]);
  }
  return table;
}

/** The saved table with the thresholds filled in from `ipvsadm -Ln --thresholds`. */
export function withThresholds(services: VirtualService[], thresholds: Map<string, Map<string, [number, number]>>): VirtualService[] {
  return services.map((s) => {
    const known = thresholds.get(serviceId(s));
    if (!known) return s;
    return {
      ...s,
      realServers: s.realServers.map((r) => {
        const t = known.get(`${r.address}|${r.port}`);
        return t ? { ...r, upper: t[0], lower: t[1] } : r;
      }),
    };
  });
}

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
    const svc = { scheduler: 'wlc', flags: [] as string[], persistence: undefined as number | undefined, netmask: undefined as string | undefined };
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

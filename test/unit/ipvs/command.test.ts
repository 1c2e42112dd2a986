import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../src/ipvs/command.js';
import { diffTables } from '../../../src/ipvs/diff.js';
import type { RealServer, VirtualService } from '../../../src/ipvs/model.js';

const v4 = fc.tuple(fc.integer({ min: 1, max: 254 }), fc.integer({ min: 0, max: 255 })).map(([a, b]) => `198.51.${b}.${a}`);
const v6 = fc.integer({ min: 1, max: 0xffff }).map((n) => `2001:db8::${n.toString(16)}`);
const server = (address: fc.Arbitrary<string>): fc.Arbitrary<RealServer> =>
  fc.record({
    address,
    port: fc.integer({ min: 0, max: 65535 }),
    method: fc.constantFrom('masq' as const, 'gate' as const, 'ipip' as const),
    weight: fc.integer({ min: 0, max: 65535 }),
    upper: fc.integer({ min: 0, max: 1000 }),
    lower: fc.integer({ min: 0, max: 1000 }),
  });
const options = fc.record({
  scheduler: fc.constantFrom('rr', 'wlc', 'sh', 'mh'),
  flags: fc.subarray(['flag-1', 'flag-2', 'flag-3']),
  persistence: fc.option(fc.integer({ min: 1, max: 86400 }), { nil: undefined }),
  netmask: fc.option(fc.constant('255.255.255.0'), { nil: undefined }),
  ops: fc.option(fc.constant(true as const), { nil: undefined }),
});
const service: fc.Arbitrary<VirtualService> = fc.oneof(
  fc.record({ protocol: fc.constantFrom('tcp' as const, 'udp' as const), address: v4, port: fc.integer({ min: 0, max: 65535 }), family: fc.constant(4 as const), options, realServers: fc.uniqueArray(server(v4), { selector: (r) => `${r.address}:${r.port}`, maxLength: 4 }) }),
  fc.record({ protocol: fc.constant('tcp' as const), address: v6, port: fc.integer({ min: 1, max: 65535 }), family: fc.constant(6 as const), options, realServers: fc.uniqueArray(server(v6), { selector: (r) => `${r.address}:${r.port}`, maxLength: 4 }) }),
  fc.record({ protocol: fc.constant('fwmark' as const), fwmark: fc.integer({ min: 1, max: 2 ** 32 - 1 }), family: fc.constantFrom(4 as const, 6 as const), options, realServers: fc.constant([]) }),
).map(({ options: o, ...s }) => {
  const out = { ...s, scheduler: o.scheduler, flags: [...o.flags].sort() } as VirtualService;
  if (o.persistence !== undefined) out.persistence = o.persistence;
  if (o.persistence !== undefined && o.netmask !== undefined && s.family === 4) out.netmask = o.netmask;
  if (o.ops) out.ops = true;
  return out;
});

describe('an IPVS command read back', () => {
  it('gives every service and real server of the commands that create a table', () => {
    fc.assert(
      fc.property(service, (s) => {
        const [create, ...servers] = diffTables([s], [], { exclusive: false });
        expect(parseCommand(create as string[])).toEqual({ op: '-A', service: { ...s, realServers: [] } });
        expect(servers.map((c) => parseCommand(c).server)).toEqual(s.realServers);
        expect(servers.every((c) => parseCommand(c).op === '-a')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('names the service and server of an edit and a delete', () => {
    const ps = parseCommand(['-d', '-f', '5', '-6', '-r', '[2001:db8::1]:0']);
    expect(ps.op).toBe('-d');
    expect(ps.service).toMatchObject({ protocol: 'fwmark', fwmark: 5, family: 6 });
    expect(ps.server).toMatchObject({ address: '2001:db8::1', port: 0 });
    expect(parseCommand(['-D', '-u', '192.0.2.1:53'])).toMatchObject({ op: '-D', service: { protocol: 'udp', address: '192.0.2.1', port: 53 } });
    expect(parseCommand(['-e', '-t', '192.0.2.1:80', '-r', '198.51.100.1:80', '-g', '-w', '0']).server).toEqual({ address: '198.51.100.1', port: 80, method: 'gate', weight: 0, upper: 0, lower: 0 });
  });

  it('refuses what is not a table operation, and words it does not know', () => {
    expect(() => parseCommand(['-C'])).toThrow(/not an IPVS table operation/);
    expect(() => parseCommand(['-A', '-t', '192.0.2.1:80', '--bogus'])).toThrow(/unknown option --bogus/);
  });
});

import { describe, expect, it } from 'vitest';
import { diffTables } from '../../../src/ipvs/diff.js';
import type { RealServer, VirtualService } from '../../../src/ipvs/model.js';
import { parseIpvsSave } from '../../../src/ipvs/parse.js';

const rs = (last: number, extra: Partial<RealServer> = {}): RealServer => ({
  address: `198.51.100.${last}`, port: 80, method: 'masq', weight: 1, upper: 0, lower: 0, ...extra,
});
const web: VirtualService = {
  protocol: 'tcp', address: '192.0.2.100', port: 80, family: 4, scheduler: 'wlc', flags: [], realServers: [rs(1), rs(2)],
};
const line = (c: string[]) => c.join(' ');

describe('IPVS diff', () => {
  it('creates a missing service with its real servers', () => {
    expect(diffTables([web], [], { exclusive: false }).map(line)).toEqual([
      '-A -t 192.0.2.100:80 -s wlc',
      '-a -t 192.0.2.100:80 -r 198.51.100.1:80 -m -w 1',
      '-a -t 192.0.2.100:80 -r 198.51.100.2:80 -m -w 1',
    ]);
  });

  it('does nothing when the table matches', () => {
    expect(diffTables([web], [structuredClone(web)], { exclusive: false })).toEqual([]);
  });

  it('edits a weight with exactly one -e, never a delete and add', () => {
    const want = { ...web, realServers: [rs(1, { weight: 5 }), rs(2)] };
    expect(diffTables([want], [web], { exclusive: false }).map(line)).toEqual(['-e -t 192.0.2.100:80 -r 198.51.100.1:80 -m -w 5']);
  });

  it('adds, removes and edits members; edits the scheduler and persistence with -E', () => {
    const want: VirtualService = { ...web, scheduler: 'sh', flags: ['sh-port'], persistence: 300, netmask: '255.255.255.0', realServers: [rs(2, { upper: 100, lower: 10 }), rs(3, { method: 'gate' })] };
    expect(diffTables([want], [web], { exclusive: false }).map(line)).toEqual([
      '-E -t 192.0.2.100:80 -s sh -b sh-port -p 300 -M 255.255.255.0',
      '-d -t 192.0.2.100:80 -r 198.51.100.1:80',
      '-e -t 192.0.2.100:80 -r 198.51.100.2:80 -m -w 1 -x 100 -y 10',
      '-a -t 192.0.2.100:80 -r 198.51.100.3:80 -g -w 1',
    ]);
  });

  it('leaves services it does not own alone, unless the table is exclusively ours', () => {
    const foreign: VirtualService = { protocol: 'udp', address: '192.0.2.200', port: 53, family: 4, scheduler: 'rr', flags: [], realServers: [] };
    expect(diffTables([web], [web, foreign], { exclusive: false })).toEqual([]);
    expect(diffTables([web], [web, foreign], { exclusive: true }).map(line)).toEqual(['-D -u 192.0.2.200:53']);
  });

  it('names IPv6 and firewall-mark services as ipvsadm does', () => {
    const v6: VirtualService = { protocol: 'tcp', address: '2001:db8::100', port: 443, family: 6, scheduler: 'rr', flags: [], realServers: [rs(1, { address: '2001:db8::1', method: 'ipip' })] };
    const mark: VirtualService = { protocol: 'fwmark', fwmark: 7, family: 6, scheduler: 'mh', flags: ['mh-fallback'], realServers: [] };
    expect(diffTables([v6, mark], [], { exclusive: false }).map(line)).toEqual([
      '-A -t [2001:db8::100]:443 -s rr',
      '-a -t [2001:db8::100]:443 -r [2001:db8::1]:80 -i -w 1',
      '-A -f 7 -6 -s mh -b mh-fallback',
    ]);
  });

  it('sets and clears one-packet scheduling (-o) with an edit of the service', () => {
    const dns: VirtualService = { protocol: 'udp', address: '192.0.2.53', port: 53, family: 4, scheduler: 'rr', flags: [], realServers: [] };
    expect(diffTables([{ ...dns, ops: true }], [], { exclusive: false }).map(line)).toEqual(['-A -u 192.0.2.53:53 -s rr -o']);
    expect(diffTables([{ ...dns, ops: true }], [dns], { exclusive: false }).map(line)).toEqual(['-E -u 192.0.2.53:53 -s rr -o']);
    expect(diffTables([dns], [{ ...dns, ops: true }], { exclusive: false }).map(line)).toEqual(['-E -u 192.0.2.53:53 -s rr']);
    expect(parseIpvsSave('-A -u 192.0.2.53:53 -s rr -o\n')[0]?.ops).toBe(true);
    expect(parseIpvsSave('-A -u 192.0.2.53:53 -s rr\n')[0]?.ops).toBeUndefined();
  });

  it('finds one weight change among 10,000 real servers with one operation', () => {
    const table: VirtualService[] = Array.from({ length: 100 }, (_, s) => ({
      ...web,
      port: 1000 + s,
      realServers: Array.from({ length: 100 }, (_, r) => rs(1, { address: `10.${s}.${Math.floor(r / 250)}.${(r % 250) + 1}` })),
    }));
    const want = structuredClone(table);
    (want[42] as VirtualService).realServers[17]!.weight = 9;
    expect(diffTables(want, table, { exclusive: true }).map(line)).toEqual(['-e -t 192.0.2.100:1042 -r 10.42.0.18:80 -m -w 9']);
  });
});

import { describe, expect, it } from 'vitest';
import { IpvsParseError, parseIpvsSave } from '../../../src/ipvs/parse.js';

describe('ipvsadm -Sn parser', () => {
  it('reads services and real servers of every kind', () => {
    const out = [
      '-A -t 192.0.2.100:80 -s wlc -p 300 -M 255.255.255.0',
      '-a -t 192.0.2.100:80 -r 198.51.100.1:80 -m -w 3 -x 100 -y 10',
      '-a -t 192.0.2.100:80 -r 198.51.100.2:8080 -g -w 0',
      '-A -u [2001:db8::100]:53 -s sh -b sh-port,sh-fallback',
      '-a -u [2001:db8::100]:53 -r [2001:db8::0001]:53 -i -w 1',
      '-A -f 7 -s rr',
      '',
    ].join('\n');
    expect(parseIpvsSave(out)).toEqual([
      {
        protocol: 'tcp', address: '192.0.2.100', port: 80, fwmark: undefined, family: 4, scheduler: 'wlc', flags: [], persistence: 300, netmask: '255.255.255.0',
        realServers: [
          { address: '198.51.100.1', port: 80, method: 'masq', weight: 3, upper: 100, lower: 10 },
          { address: '198.51.100.2', port: 8080, method: 'gate', weight: 0, upper: 0, lower: 0 },
        ],
      },
      {
        protocol: 'udp', address: '2001:db8::100', port: 53, fwmark: undefined, family: 6, scheduler: 'sh', flags: ['sh-fallback', 'sh-port'], persistence: undefined, netmask: undefined,
        realServers: [{ address: '2001:db8::1', port: 53, method: 'ipip', weight: 1, upper: 0, lower: 0 }],
      },
      { protocol: 'fwmark', address: undefined, port: undefined, fwmark: 7, family: 4, scheduler: 'rr', flags: [], persistence: undefined, netmask: undefined, realServers: [] },
    ]);
  });

  it('reads an empty table', () => {
    expect(parseIpvsSave('')).toEqual([]);
  });

  it('refuses what it cannot model, with the line', () => {
    expect(() => parseIpvsSave('-A -t 192.0.2.1:80 -s rr --pe sip')).toThrow(new IpvsParseError(1, '-A -t 192.0.2.1:80 -s rr --pe sip', 'unknown option --pe'));
    expect(() => parseIpvsSave('-A -t 192.0.2.1:80 -s rr\n-a -t 192.0.2.9:80 -r 198.51.100.1:80 -m -w 1')).toThrow(
      'ipvsadm -Sn line 2: a real server of a service not declared above',
    );
    expect(() => parseIpvsSave('-A -t nonsense -s rr')).toThrow('ipvsadm -Sn line 1: bad service address: -A -t nonsense -s rr');
  });
});

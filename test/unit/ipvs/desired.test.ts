import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import type { ConfigError} from '../../../src/config/errors.js';
import { formatIssue } from '../../../src/config/errors.js';
import { desiredTable } from '../../../src/ipvs/desired.js';
import { parseThresholds, withThresholds, parseIpvsSave } from '../../../src/ipvs/parse.js';

const base = `auth: none
instances:
  - {name: VI_1, interface: eth0, vrid: 51, priority: 150, vips: [192.0.2.100/24]}
`;

function errorsOf(text: string): string[] {
  try {
    parseConfig(text, 't.yaml');
  } catch (err) {
    return (err as ConfigError).issues.map(formatIssue);
  }
  throw new Error('expected errors');
}

describe('virtual services in the config', () => {
  it('build the desired table with defaults, methods and a sorry server', () => {
    const { config } = parseConfig(
      `${base}virtual_services:
  - protocol: tcp
    address: 192.0.2.100
    port: 80
    persistence: {timeout: 300, netmask: 255.255.255.0}
    real_servers:
      - {address: 198.51.100.1, port: 80, weight: 3, upper_threshold: 100, lower_threshold: 10}
      - {address: 198.51.100.2, port: 80, method: dr}
  - protocol: fwmark
    fwmark: 7
    family: ipv6
    scheduler: mh
    scheduler_flags: [mh-port]
    real_servers: []
    sorry_server: {address: '2001:db8::9', port: 0, method: tun}
`,
      't.yaml',
    );
    expect(desiredTable(config.virtual_services)).toEqual([
      {
        protocol: 'tcp', address: '192.0.2.100', port: 80, fwmark: undefined, family: 4, scheduler: 'wlc', flags: [], persistence: 300, netmask: '255.255.255.0',
        realServers: [
          { address: '198.51.100.1', port: 80, method: 'masq', weight: 3, upper: 100, lower: 10 },
          { address: '198.51.100.2', port: 80, method: 'gate', weight: 1, upper: 0, lower: 0 },
        ],
      },
      {
        protocol: 'fwmark', address: undefined, port: undefined, fwmark: 7, family: 6, scheduler: 'mh', flags: ['mh-port'], persistence: undefined, netmask: undefined,
        realServers: [{ address: '2001:db8::9', port: 0, method: 'ipip', weight: 1, upper: 0, lower: 0 }],
      },
    ]);
  });

  it('refuses a service of the wrong shape, mixed families, duplicates and foreign flags', () => {
    expect(
      errorsOf(`${base}virtual_services:
  - {protocol: tcp, address: 192.0.2.100, real_servers: []}
  - {protocol: fwmark, fwmark: 3, port: 80, real_servers: []}
  - {protocol: tcp, address: 192.0.2.100, port: 80, scheduler: rr, scheduler_flags: [sh-port], real_servers: [{address: '2001:db8::1', port: 80}, {address: 198.51.100.1, port: 80, upper_threshold: 5, lower_threshold: 9}]}
  - {protocol: tcp, address: 192.0.2.100, port: 80, scheduler: lottery, real_servers: [{address: 198.51.100.1, port: 80}, {address: 198.51.100.1, port: 80}]}
`),
    ).toEqual([
      't.yaml:8:64: virtual_services[3].scheduler: must be one of "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "mh", "fo", "ovf"; got "lottery" [enum]',
    ]);
    expect(
      errorsOf(`${base}virtual_services:
  - {protocol: tcp, address: 192.0.2.100, real_servers: []}
  - {protocol: fwmark, fwmark: 3, port: 80, real_servers: []}
  - {protocol: tcp, address: 192.0.2.100, port: 80, scheduler: rr, scheduler_flags: [sh-port], real_servers: [{address: '2001:db8::1', port: 80}, {address: 198.51.100.1, port: 80, upper_threshold: 5, lower_threshold: 9}]}
  - {protocol: tcp, address: 192.0.2.100, port: 80, real_servers: [{address: 198.51.100.1, port: 80}, {address: 198.51.100.1, port: 80}]}
`),
    ).toEqual([
      't.yaml:5:5: virtual_services[0]: missing required key "port" for a tcp service [required]',
      't.yaml:6:41: virtual_services[1].port: not allowed for a fwmark service (the mark selects the packets) [service-shape]',
      't.yaml:7:86: virtual_services[2].scheduler_flags[0]: sh-port is a flag of the sh scheduler, not of rr [scheduler-flag]',
      't.yaml:7:121: virtual_services[2].real_servers[0].address: an IPv6 real server in an IPv4 service [family]',
      't.yaml:7:218: virtual_services[2].real_servers[1].lower_threshold: lower_threshold 9 is above upper_threshold 5; the kernel refuses it [thresholds]',
      't.yaml:8:5: virtual_services[3]: the same service as virtual_services[2]; each must be unique [unique-service]',
      't.yaml:8:103: virtual_services[3].real_servers[1]: real server 198.51.100.1:80 is listed twice [unique-real-server]',
    ]);
  });

  it('refuses one-packet scheduling on a TCP service', () => {
    expect(errorsOf(`${base}virtual_services:\n  - {protocol: tcp, address: 192.0.2.100, port: 80, one_packet: true, real_servers: []}\n`)).toEqual([expect.stringMatching(/virtual_services\[0\]\.one_packet: one-packet scheduling is for UDP .*\[one-packet\]$/)]);
    expect(() => parseConfig(`${base}virtual_services:\n  - {protocol: udp, address: 192.0.2.100, port: 53, one_packet: true, real_servers: []}\n`, 't.yaml')).not.toThrow();
  });

  it('refuses a sync daemon message size the kernel would not take', () => {
    expect(errorsOf(`${base}ipvs: {sync_daemon: {interface: eth1, max_message_bytes: 0}}\n`)).toEqual([expect.stringMatching(/^t\.yaml:4:\d+: ipvs\.sync_daemon\.max_message_bytes: .*1/)]);
  });
});

describe('ipvsadm -Ln --thresholds', () => {
  it('completes the saved table with the thresholds -Sn leaves out', () => {
    const listing = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn 
  -> RemoteAddress:Port
TCP  192.0.2.100:80 wlc
  -> 198.51.100.1:80              100        10         0          0         
  -> 198.51.100.2:80              0          0          0          0         
UDP  [2001:db8::1]:53 rr
  -> [2001:db8::2]:53             7          0          0          0         
FWM  9 rr
  -> 198.51.100.1:0               5          0          0          0         
`;
    const saved = parseIpvsSave(
      '-A -t 192.0.2.100:80 -s wlc\n-a -t 192.0.2.100:80 -r 198.51.100.1:80 -m -w 3\n-A -u [2001:db8::1]:53 -s rr\n-a -u [2001:db8::1]:53 -r [2001:db8::2]:53 -g -w 1\n-A -f 9 -s rr\n-a -f 9 -r 198.51.100.1:0 -g -w 1\n',
    );
    const full = withThresholds(saved, parseThresholds(listing));
    expect(full.map((s) => s.realServers.map((r) => [r.upper, r.lower]))).toEqual([[[100, 10]], [[7, 0]], [[5, 0]]]);
  });

  it('reads the tunnel type ipvsadm 1.31 prints for TUN servers, and refuses others', () => {
    expect(parseIpvsSave('-A -t 192.0.2.1:80 -s rr\n-a -t 192.0.2.1:80 -r 198.51.100.1:80 -i -w 2 --tun-type ipip\n')[0]?.realServers[0]?.method).toBe('ipip');
    expect(() => parseIpvsSave('-A -t 192.0.2.1:80 -s rr\n-a -t 192.0.2.1:80 -r 198.51.100.1:80 -i -w 2 --tun-type gue\n')).toThrow('tunnel type gue is not supported');
  });
});

import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import { parseVip } from '../../../src/config/vip.js';
import type { Vip } from '../../../src/config/vip.js';
import { graceAddresses, graceEntries, graceRestore } from '../../../src/ipvs/takeover-grace.js';
import type { GraceEntry } from '../../../src/ipvs/takeover-grace.js';

const { config } = parseConfig(
  `auth: none
instances:
  - {name: VI_1, interface: eth0, vrid: 51, priority: 150, vips: [192.0.2.100/24, 2001:db8::100/64]}
ipvs:
  sync_daemon: {interface: eth1}
virtual_services:
  - {protocol: tcp, address: 192.0.2.100, port: 80, real_servers: []}
  - {protocol: tcp, address: 192.0.2.100, port: 0, persistence: {timeout: 60}, real_servers: []}
  - {protocol: udp, address: 192.0.2.100, port: 53, real_servers: []}
  - {protocol: tcp, address: 192.0.2.200, port: 80, real_servers: []}
  - {protocol: tcp, address: "2001:db8:0::100", port: 443, real_servers: []}
  - {protocol: fwmark, fwmark: 7, real_servers: []}
`,
  't.yaml',
);
const vips = (...texts: string[]) => texts.map((t) => parseVip(t) as Vip);

describe('the takeover grace', () => {
  it('defaults to 4 s with a sync daemon', () => {
    expect(config.ipvs.sync_daemon?.takeover_grace).toBe(4);
  });

  it('covers the TCP services on the VIPs taken over, an all-port service with port 0', () => {
    expect(graceEntries(config.virtual_services, vips('192.0.2.100/24', '2001:db8::100/64'))).toEqual([
      { family: 4, address: '192.0.2.100', port: 80 },
      { family: 4, address: '192.0.2.100', port: 0 },
      { family: 6, address: '2001:db8::100', port: 443 },
    ]);
  });

  it('covers nothing for VIPs without TCP services', () => {
    expect(graceEntries(config.virtual_services, vips('198.51.100.1/24'))).toEqual([]);
  });

  it('writes the whole chain in one iptables-restore input: the resets that answer a segment, from a VIP on the recent list', () => {
    const [v4, all, v6] = graceEntries(config.virtual_services, vips('192.0.2.100/24', '2001:db8::100/64')) as [GraceEntry, GraceEntry, GraceEntry];
    const recent = '-m recent --name TANDEM-GRACE --rsource --rcheck --seconds 3 -j DROP';
    expect(graceRestore([v4, all], 2.5).split('\n')).toEqual([
      '*filter',
      ':TANDEM-GRACE - [0:0]',
      `-A TANDEM-GRACE -s 192.0.2.100/32 -p tcp --sport 80 --tcp-flags RST,ACK RST ${recent}`,
      `-A TANDEM-GRACE -s 192.0.2.100/32 -p tcp --tcp-flags RST,ACK RST ${recent}`,
      'COMMIT',
      '',
    ]);
    expect(graceRestore([v6], 4)).toContain('-A TANDEM-GRACE -s 2001:db8::100/128 -p tcp --sport 443 --tcp-flags RST,ACK RST');
    expect(graceRestore([], 4)).toBe('*filter\n:TANDEM-GRACE - [0:0]\nCOMMIT\n');
  });

  it('puts each VIP taken over on the recent list once', () => {
    expect(graceAddresses(graceEntries(config.virtual_services, vips('192.0.2.100/24', '2001:db8::100/64')))).toEqual(['192.0.2.100', '2001:db8::100']);
  });
});

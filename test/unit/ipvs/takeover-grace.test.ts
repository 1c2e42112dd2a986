import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import { parseVip } from '../../../src/config/vip.js';
import type { Vip } from '../../../src/config/vip.js';
import { graceEntries, graceOpening } from '../../../src/ipvs/takeover-grace.js';

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

  it('covers the TCP services on the VIPs taken over, an all-port service by its VIP', () => {
    expect(graceEntries(config.virtual_services, vips('192.0.2.100/24', '2001:db8::100/64'))).toEqual({
      ports: [
        { family: 4, address: '192.0.2.100', port: 80 },
        { family: 6, address: '2001:db8::100', port: 443 },
      ],
      hosts: [{ family: 4, address: '192.0.2.100' }],
    });
  });

  it('covers nothing for VIPs without TCP services', () => {
    expect(graceEntries(config.virtual_services, vips('198.51.100.1/24'))).toEqual({ ports: [], hosts: [] });
    expect(graceOpening({ ports: [], hosts: [] }, 4)).toBe('');
  });

  it('renews elements already there: add, delete and add again, in one nft input', () => {
    const text = graceOpening(graceEntries(config.virtual_services, vips('192.0.2.100/24', '2001:db8::100/64')), 2.5);
    expect(text.split('\n')).toEqual([
      'add element inet tandem_grace ports4 { 192.0.2.100 . 80 timeout 2500ms }',
      'delete element inet tandem_grace ports4 { 192.0.2.100 . 80 }',
      'add element inet tandem_grace ports4 { 192.0.2.100 . 80 timeout 2500ms }',
      'add element inet tandem_grace hosts4 { 192.0.2.100 timeout 2500ms }',
      'delete element inet tandem_grace hosts4 { 192.0.2.100 }',
      'add element inet tandem_grace hosts4 { 192.0.2.100 timeout 2500ms }',
      'add element inet tandem_grace ports6 { 2001:db8::100 . 443 timeout 2500ms }',
      'delete element inet tandem_grace ports6 { 2001:db8::100 . 443 }',
      'add element inet tandem_grace ports6 { 2001:db8::100 . 443 timeout 2500ms }',
      '',
    ]);
  });
});

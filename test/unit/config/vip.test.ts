import { describe, expect, it } from 'vitest';
import { parseInstanceVip, vipsByInterface, vipText } from '../../../src/config/vip.js';
import type { InstanceVip } from '../../../src/config/vip.js';

describe('an instance VIP', () => {
  it('reads the address, its dev, scope and no_track', () => {
    expect(parseInstanceVip('192.0.2.5/24 dev eth1 scope link')).toEqual({ address: '192.0.2.5', prefix: 24, family: 4, dev: 'eth1', scope: 'link', track: true });
    expect(parseInstanceVip('192.0.2.5 scope 200')).toEqual({ address: '192.0.2.5', prefix: 32, family: 4, scope: '200', track: true });
    expect(parseInstanceVip('192.0.2.5/24 brd + dev eth1')).toEqual({ address: '192.0.2.5', prefix: 24, family: 4, dev: 'eth1', broadcast: '+', track: true });
    expect(parseInstanceVip('192.0.2.5/24 brd 192.0.2.255')?.broadcast).toBe('192.0.2.255');
    expect(parseInstanceVip('192.0.2.5')).toEqual({ address: '192.0.2.5', prefix: 32, family: 4, track: true });
    expect(parseInstanceVip(' 203.0.113.5/24  dev eth1 ')).toEqual({ address: '203.0.113.5', prefix: 24, family: 4, dev: 'eth1', track: true });
    expect(parseInstanceVip('2001:DB8::5/64 dev bond0.100 no_track')).toEqual({ address: '2001:db8::5', prefix: 64, family: 6, dev: 'bond0.100', track: false });
    expect(parseInstanceVip('192.0.2.5 no_track')).toEqual({ address: '192.0.2.5', prefix: 32, family: 4, track: false });
  });

  it('refuses anything else after the address', () => {
    for (const bad of ['192.0.2.5 dev', '192.0.2.5 dev ..', '192.0.2.5 dev eth0:1', '192.0.2.5 eth1', '192.0.2.5 dev eth1 dev eth1', '192.0.2.5 label x', '192.0.2.999 dev eth1', '192.0.2.5 scope', '192.0.2.5 scope 256', '192.0.2.5 scope universe', '192.0.2.5 scope link scope host', '2001:db8::5 brd +', '192.0.2.5 brd 192.0.2.0/24', '192.0.2.5 brd 192.0.2.255/32', '192.0.2.5 brd']) {
      expect(parseInstanceVip(bad), bad).toBeUndefined();
    }
  });

  it('is written back as status shows it', () => {
    expect(vipText(parseInstanceVip('203.0.113.5/24 dev eth1 no_track') as InstanceVip)).toBe('203.0.113.5/24 dev eth1');
    expect(vipText(parseInstanceVip('192.0.2.5') as InstanceVip)).toBe('192.0.2.5/32');
  });

  it('groups VIPs by the interface each goes on, the home interface first', () => {
    const vips = ['203.0.113.5 dev eth1', '192.0.2.5', '203.0.113.6 dev eth1', '198.51.100.5 dev eth2', '192.0.2.6 dev vrrp.5'].map((t) => parseInstanceVip(t) as InstanceVip);
    expect(vipsByInterface(vips, 'vrrp.5').map((g) => [g.iface, g.vips.map((v) => v.address)])).toEqual([
      ['vrrp.5', ['192.0.2.5', '192.0.2.6']],
      ['eth1', ['203.0.113.5', '203.0.113.6']],
      ['eth2', ['198.51.100.5']],
    ]);
    expect(vipsByInterface([], 'eth0')).toEqual([]);
    // Naming the instance's own interface is home: on a virtual MAC instance, the virtual MAC.
    expect(vipsByInterface([parseInstanceVip('192.0.2.7 dev eth0') as InstanceVip], 'vrrp.5', 'eth0').map((g) => g.iface)).toEqual(['vrrp.5']);
  });
});

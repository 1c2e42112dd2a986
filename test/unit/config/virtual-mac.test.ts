import { describe, expect, it } from 'vitest';
import { diffConfigs } from '../../../src/config/diff.js';
import { parseConfig } from '../../../src/config/parse.js';
import { vipInterface, virtualMacAddress, virtualMacSpec } from '../../../src/net/vmac.js';
import { errorsOf } from './errors-of.js';

const instance = (more: string, vips = '[192.0.2.100/24]') => `auth: none
instances:
  - { name: VI_1, interface: eth0, vrid: 51, priority: 150, vips: ${vips}${more} }
`;

describe('virtual_mac', () => {
  it('is the VRRP MAC of the VRID on a macvlan named vrrp.VRID, or the name given, holding the VIPs', () => {
    expect(virtualMacAddress(51)).toBe('00:00:5e:00:01:33');
    expect(virtualMacAddress(1)).toBe('00:00:5e:00:01:01');
    expect(virtualMacAddress(255)).toBe('00:00:5e:00:01:ff');
    const inst = { interface: 'eth0', vrid: 51, virtual_mac: true };
    expect(virtualMacSpec(inst)).toEqual({ name: 'vrrp.51', parent: 'eth0', vrid: 51 });
    expect(vipInterface({ ...inst, virtual_mac_interface: 'vmac51' })).toBe('vmac51');
    expect(vipInterface({ ...inst, virtual_mac: false })).toBe('eth0');
  });

  it('refuses an IPv6 VIP, a name without virtual_mac, a name used twice or the instance\'s own interface', () => {
    expect(errorsOf(instance(', virtual_mac: true', '[192.0.2.100/24, "2001:db8::1"]'))).toEqual([
      expect.stringMatching(/instances\[0\]\.vips\[1\]: virtual_mac holds IPv4 VIPs only .* \[virtual-mac\]$/),
    ]);
    expect(errorsOf(instance(', virtual_mac_interface: vm1'))).toEqual([expect.stringMatching(/instances\[0\]\.virtual_mac_interface: a virtual MAC interface name without `virtual_mac: true`.* \[virtual-mac\]$/)]);
    expect(errorsOf(instance(', virtual_mac: true, virtual_mac_interface: eth0'))).toEqual([expect.stringMatching(/the virtual MAC interface cannot be the instance's own interface \(eth0\) \[virtual-mac\]$/)]);
    const two = `${instance(', virtual_mac: true')}  - { name: VI_2, interface: eth1, vrid: 52, priority: 150, vips: [198.51.100.1], virtual_mac: true, virtual_mac_interface: vrrp.51 }\n`;
    expect(errorsOf(two)).toEqual([expect.stringMatching(/instances\[1\]\.virtual_mac_interface: virtual MAC interface vrrp\.51 is already used by instance VI_1; each must be unique \[unique-vmac\]$/)]);
  });

  it('turned on, off or moved to another interface by a reload restarts the instance', () => {
    const diff = (a: string, b: string) => diffConfigs(parseConfig(a, 't.yaml').config, parseConfig(b, 't.yaml').config).instances;
    expect(diff(instance(''), instance(', virtual_mac: true')).restarted.map((r) => r.changes)).toEqual([['virtual_mac false -> true']]);
    const moved = diff(instance(', virtual_mac: true'), instance(', virtual_mac: true').replace('interface: eth0', 'interface: eth1'));
    expect(moved.restarted.map((r) => r.name)).toEqual(['VI_1']);
    expect(moved.moved).toEqual([]);
  });
});

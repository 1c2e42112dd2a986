import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import { advertEndpoints } from '../../../src/daemon/endpoints.js';

const config = (instance: string) => parseConfig(`auth: none\ninstances:\n  - { name: VI_1, interface: eth0, vrid: 51, priority: 100, vips: [192.0.2.100/24], ${instance} }\n`, 't.yaml').config;
const on = (...list: string[]) => () => list.map((address) => ({ family: address.includes(':') ? (6 as const) : (4 as const), address }));

describe('advert endpoints', () => {
  it('takes the first IPv4 address of the interface that is not a VIP', () => {
    const e = advertEndpoints(config('preempt: true'), on('fe80::1', '192.0.2.100', '192.0.2.1'));
    expect(e).toEqual({ byInstance: new Map([['VI_1', '192.0.2.1']]), sources: ['192.0.2.1'], joinOn: ['192.0.2.1'] });
  });

  it("never takes an address tandem holds: another instance's VIP, a static address", () => {
    const two = parseConfig(
      `auth: none
static_addresses: [10.99.0.2/32 dev eth0 scope link]
instances:
  - { name: A, interface: eth0, vrid: 51, priority: 100, vips: [192.0.2.100/24] }
  - { name: B, interface: eth0, vrid: 52, priority: 100, vips: [192.0.2.101/24] }
`,
      't.yaml',
    ).config;
    // The kernel lists a link-scope address first, and A's VIP before the interface's own.
    const e = advertEndpoints(two, on('10.99.0.2', '192.0.2.100', '192.0.2.1'));
    expect([...e.byInstance]).toEqual([['A', '192.0.2.1'], ['B', '192.0.2.1']]);
  });

  it('keeps the source in use at a reload while it is still on the interface', () => {
    const c = config('preempt: true');
    expect(advertEndpoints(c, on('192.0.2.7', '192.0.2.1'), new Map([['VI_1', { address: '192.0.2.1', iface: 'eth0' }]])).sources).toEqual(['192.0.2.1']);
    expect(advertEndpoints(c, on('192.0.2.7', '192.0.2.1'), new Map([['VI_1', { address: '192.0.2.9', iface: 'eth0' }]])).sources).toEqual(['192.0.2.7']);
    // A source that became one of the config's VIPs is not kept.
    expect(advertEndpoints(c, on('192.0.2.100', '192.0.2.1'), new Map([['VI_1', { address: '192.0.2.100', iface: 'eth0' }]])).sources).toEqual(['192.0.2.1']);
  });

  it('keeps the source of a running instance whose interface a flush left without addresses, unless the instance moves', () => {
    const c = config('preempt: true');
    expect(advertEndpoints(c, on(), new Map([['VI_1', { address: '192.0.2.1', iface: 'eth0' }]])).sources).toEqual(['192.0.2.1']);
    expect(() => advertEndpoints(c, on(), new Map([['VI_1', { address: '198.51.100.2', iface: 'eth1' }]]))).toThrow('interface eth0 has no IPv4');
    expect(() => advertEndpoints(c, on())).toThrow('interface eth0 has no IPv4');
  });

  it('on an IPv6-only link, takes a global IPv6 address, never the link-local one', () => {
    expect(advertEndpoints(config('preempt: true'), on('fe80::1', '2001:db8::1')).sources).toEqual(['2001:db8::1']);
  });

  it('says what to do when the interface has no address to send from', () => {
    expect(() => advertEndpoints(config('preempt: true'), on('fe80::1'))).toThrow('instance VI_1: interface eth0 has no IPv4 or global IPv6 address of its own; add one or set source_address');
  });

  it('writes a configured IPv6 source canonically (own adverts come back that way)', () => {
    expect(advertEndpoints(config('source_address: "2001:DB8:0::1"'), on()).sources).toEqual(['2001:db8::1']);
  });

  it('refuses unicast peers of another family than the source, and a link-local source', () => {
    expect(() => config('source_address: "2001:db8::1", unicast_peers: [192.0.2.2]')).toThrow(/unicast peers must all be of the source address's family/);
    expect(() => config('source_address: "fe80::1"')).toThrow(/link-local IPv6 source cannot be bound/);
  });
});

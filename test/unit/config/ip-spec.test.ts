import { describe, expect, it } from 'vitest';
import { parseRouteSpec, parseRuleSpec } from '../../../src/config/ip-spec.js';
import { specFamily } from '../../../src/net/ip-objects.js';

describe('a route in ip route words', () => {
  it('becomes the argument list of ip route, gw spelt via', () => {
    expect(parseRouteSpec('192.168.110.0/24 via 192.168.200.254 dev eth1')?.argv).toEqual(['192.168.110.0/24', 'via', '192.168.200.254', 'dev', 'eth1']);
    expect(parseRouteSpec('to 0.0.0.0/0 gw 192.168.0.1 table 100')?.argv).toEqual(['0.0.0.0/0', 'via', '192.168.0.1', 'table', '100']);
    expect(parseRouteSpec('blackhole 192.168.114.0/24')?.argv).toEqual(['blackhole', '192.168.114.0/24']);
    expect(parseRouteSpec('default via 2001:db8::1 dev eth0 metric 10 proto static onlink')?.argv).toEqual(['default', 'via', '2001:db8::1', 'dev', 'eth0', 'metric', '10', 'proto', 'static', 'onlink']);
    expect(parseRouteSpec('10.1.0.0/16 dev eth1 src 10.0.0.5 scope link table vips')?.argv).toEqual(['10.1.0.0/16', 'dev', 'eth1', 'src', '10.0.0.5', 'scope', 'link', 'table', 'vips']);

  });

  it('takes a route through several gateways as nexthop groups', () => {
    expect(parseRouteSpec('192.168.113.0/24 table 5 nexthop via 192.168.100.252 nexthop gw 192.168.100.253 dev eth1 weight 2 onlink')?.argv).toEqual(
      ['192.168.113.0/24', 'table', '5', 'nexthop', 'via', '192.168.100.252', 'nexthop', 'via', '192.168.100.253', 'dev', 'eth1', 'weight', '2', 'onlink'],
    );
  });

  it('refuses words ip would read otherwise, values of the wrong kind and repeated keys', () => {
    for (const bad of [
      '',
      'via 10.0.0.1',
      '10.0.0.0/33',
      '10.0.0.0/8 via',
      '10.0.0.0/8 via eth0',
      '10.0.0.0/8 dev eth0;reboot',
      '10.0.0.0/8 dev eth0 dev eth1',
      '10.0.0.0/8 via 10.0.0.1 or 10.0.0.2',
      '10.0.0.0/8 metric -1',
      '10.0.0.0/8 constructor x',
      '10.0.0.0/8 toString x',
      '10.0.0.0/8 table $(id)',
      '10.0.0.0/8\nroute flush all',
      '10.0.0.0/8 nexthop',
      '10.0.0.0/8 nexthop weight 2',
      '10.0.0.0/8 via 10.0.0.1 nexthop via 10.0.0.2',
      'blackhole 10.0.0.0/8 nexthop via 10.0.0.2',
      '10.0.0.0/8 nexthop via 10.0.0.1 weight 0',
      '10.0.0.0/8 nexthop via 10.0.0.1 metric 5',
      '10.0.0.0/8 nexthop via 10.0.0.1 via 10.0.0.2',
    ]) {
      expect(parseRouteSpec(bad), bad).toBeUndefined();
    }
  });
});

describe('a rule in ip rule words', () => {
  it('becomes the argument list of ip rule, its aliases spelt one way', () => {
    expect(parseRuleSpec('from 192.168.101.0/24 to 192.168.201.0/24 table 100 priority 101')?.argv).toEqual(['from', '192.168.101.0/24', 'to', '192.168.201.0/24', 'table', '100', 'priority', '101']);
    expect(parseRuleSpec('not fwmark 0x10/0xff lookup main pref 5')?.argv).toEqual(['not', 'fwmark', '0x10/0xff', 'table', 'main', 'priority', '5']);
    expect(parseRuleSpec('iif eth1 dport 80-90 ipproto tcp prohibit')?.argv).toEqual(['iif', 'eth1', 'dport', '80-90', 'ipproto', 'tcp', 'prohibit']);
  });

  it('refuses what it does not know', () => {
    for (const bad of ['', 'from', 'from 10.0.0.0/8 table', 'from 10.0.0.0/8 nat 1.2.3.4', 'dport 70000', 'priority 1 pref 2', 'from eth0', 'fwmark x']) {
      expect(parseRuleSpec(bad), bad).toBeUndefined();
    }
  });
});

describe('the family of a route or rule', () => {
  it('is IPv6 when one of its addresses is', () => {
    expect(specFamily(['default', 'via', '2001:db8::1'])).toBe(6);
    expect(specFamily(['from', '2001:db8::/64', 'table', '7'])).toBe(6);
    expect(specFamily(['default', 'via', '192.0.2.1'])).toBe(4);
    expect(specFamily(['fwmark', '1', 'table', '7'])).toBe(4);
  });
});

import { describe, expect, it } from 'vitest';
import { announceAddresses, announcedNow, birdStaticConfig } from '../../../src/cluster/announce.js';
import { parseConfig } from '../../../src/config/parse.js';

const config = (announce: string) =>
  parseConfig(
    `auth: none
announce: ${announce}
virtual_services:
  - { name: web, protocol: tcp, address: 203.0.113.100, port: 80, real_servers: [{ address: 198.51.100.11, port: 80, method: dr }] }
  - { name: tls, protocol: tcp, address: 203.0.113.100, port: 443, real_servers: [{ address: 198.51.100.11, port: 443, method: dr }] }
  - { name: dns, protocol: udp, address: "2001:db8::53", port: 53, real_servers: [{ address: "2001:db8:1::11", port: 53, method: dr }] }
  - { name: marked, protocol: fwmark, fwmark: 7, real_servers: [{ address: 198.51.100.11, port: 0, method: dr }] }
`,
    't.yaml',
  ).config;

describe('cluster mode', () => {
  it('announces every service address by default, or the listed ones, each once', () => {
    expect(announceAddresses(config('{ bird: { file: /etc/bird/tandem.conf } }'))).toEqual(['203.0.113.100', '2001:db8::53']);
    expect(announceAddresses(config('{ bird: { file: /etc/bird/tandem.conf }, addresses: ["2001:DB8::53"] }'))).toEqual(['2001:db8::53']);
  });

  it('an address is announced while every service on it has its quorum', () => {
    const c = config('{ bird: { file: /etc/bird/tandem.conf } }');
    expect(announcedNow(c, () => true)).toEqual(['203.0.113.100', '2001:db8::53']);
    expect(announcedNow(c, (s) => s !== 'tls')).toEqual(['2001:db8::53']);
    expect(announcedNow(c, (s) => s !== 'dns')).toEqual(['203.0.113.100']);
  });

  it('writes one static protocol per family for BIRD, empty ones included', () => {
    expect(birdStaticConfig('tandem_vips', ['203.0.113.100', '2001:db8::53']).split('\n')).toEqual([
      '# Written by tandem (announce): the addresses this director announces. Do not edit.',
      'protocol static tandem_vips {',
      '  ipv4;',
      '  route 203.0.113.100/32 blackhole;',
      '}',
      'protocol static tandem_vips6 {',
      '  ipv6;',
      '  route 2001:db8::53/128 blackhole;',
      '}',
      '',
    ]);
    expect(birdStaticConfig('t', [])).not.toContain('route');
  });

  it('warns of a listed address no service is on: nothing would ever withdraw it', () => {
    const parsed = parseConfig(
      `auth: none
announce: { bird: { file: /etc/bird/tandem.conf }, addresses: [203.0.113.100, 203.0.113.7] }
virtual_services:
  - { name: web, protocol: tcp, address: 203.0.113.100, port: 80, real_servers: [{ address: 198.51.100.11, port: 80, method: dr }] }
`,
      't.yaml',
    );
    expect(parsed.warnings.map((w) => w.message)).toEqual(['no virtual service on 203.0.113.7: it is announced whatever the health of the real servers']);
  });

  it('warns of a Maglev service without mh-fallback: a flap would reorder its servers on one director', () => {
    const warnings = (flags: string) =>
      parseConfig(
        `auth: none
announce: { bird: { file: /etc/bird/tandem.conf } }
virtual_services:
  - { protocol: tcp, address: 203.0.113.100, port: 80, scheduler: mh, scheduler_flags: [${flags}], real_servers: [{ address: 198.51.100.11, port: 80, method: dr }] }
`,
        't.yaml',
      ).warnings.map((w) => `${w.line}: ${w.message.split(';')[0]}`);
    expect(warnings('mh-port')).toEqual(["4: without mh-fallback a failed real server leaves the kernel's list and comes back at its head"]);
    expect(warnings('mh-port, mh-fallback')).toEqual([]);
  });
});

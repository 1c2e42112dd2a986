import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import { desiredTable } from '../../../src/ipvs/desired.js';
import { FULLNAT_CHAIN, fullNatEntries, fullNatRestore } from '../../../src/ipvs/fullnat.js';

const config = parseConfig(
  `auth: none
virtual_services:
  - protocol: tcp
    address: 192.0.2.100
    port: 80
    sorry_server: { address: 198.51.100.99, port: 8080, method: fullnat }
    real_servers:
      - { address: 198.51.100.11, port: 8080, method: fullnat }
      - { address: 198.51.100.12, port: 8080, method: nat }
  - protocol: fwmark
    fwmark: 7
    real_servers:
      - { address: 198.51.100.13, port: 0, method: fullnat }
  - protocol: udp
    address: "2001:db8::100"
    port: 53
    real_servers:
      - { address: "2001:db8:1::11", port: 5353, method: fullnat }
`,
  't.yaml',
).config;

describe('full NAT', () => {
  it('is masquerading in IPVS, on the real server\'s own port', () => {
    const [web] = desiredTable(config.virtual_services);
    expect(web?.realServers.map((s) => [s.address, s.port, s.method])).toEqual([
      ['198.51.100.11', 8080, 'masq'],
      ['198.51.100.12', 8080, 'masq'],
    ]);
  });

  it('source-NATs exactly the IPVS connections of each fullnat real server (sorry server too)', () => {
    const entries = fullNatEntries(config.virtual_services);
    expect(entries.map((e) => `${e.family} ${e.server}:${e.port}`)).toEqual(['4 198.51.100.11:8080', '4 198.51.100.99:8080', '4 198.51.100.13:0', '6 2001:db8:1::11:5353']);
    // Each server's connections leave from the address the route to it picks; a server with no
    // route (198.51.100.99 here) gets no rule.
    const sources = new Map([
      ['198.51.100.11', '198.51.100.1'],
      ['198.51.100.13', '198.51.100.1'],
      ['2001:db8:1::11', '2001:db8:1::1'],
    ]);
    expect(fullNatRestore(entries.filter((e) => e.family === 4), sources).split('\n')).toEqual([
      '*nat',
      `:${FULLNAT_CHAIN} - [0:0]`,
      `-A ${FULLNAT_CHAIN} -m ipvs --ipvs --vdir ORIGINAL --vmethod MASQ --vproto tcp --vaddr 192.0.2.100/32 --vport 80 -d 198.51.100.11/32 -p tcp --dport 8080 -j SNAT --to-source 198.51.100.1`,
      // A firewall-mark service: the server, whatever the port.
      `-A ${FULLNAT_CHAIN} -m ipvs --ipvs --vdir ORIGINAL --vmethod MASQ -d 198.51.100.13/32 -j SNAT --to-source 198.51.100.1`,
      'COMMIT',
      '',
    ]);
    expect(fullNatRestore(entries.filter((e) => e.family === 6), sources)).toContain('--vproto udp --vaddr 2001:db8::100/128 --vport 53 -d 2001:db8:1::11/128 -p udp --dport 5353 -j SNAT --to-source 2001:db8:1::1');
    expect(fullNatRestore([], sources)).toBe(`*nat\n:${FULLNAT_CHAIN} - [0:0]\nCOMMIT\n`);
  });
});

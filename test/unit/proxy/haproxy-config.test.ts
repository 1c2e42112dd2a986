import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import { desiredTable } from '../../../src/ipvs/desired.js';
import type { ServiceView } from '../../../src/ipvs/desired.js';
import { haproxyConfig, ipvsPart, proxiedPart, proxyStates, stateCommands } from '../../../src/proxy/haproxy-config.js';

const config = parseConfig(
  `auth: none
virtual_services:
  - name: web
    protocol: tcp
    address: 192.0.2.10
    port: 80
    scheduler: wrr
    client_address: { http_header: X-Client }
    persistence: { timeout: 300, netmask: 255.255.255.0 }
    real_servers:
      - { address: 10.0.0.1, port: 8080, method: fullnat, weight: 3 }
      - { address: 10.0.0.2, port: 8080, method: fullnat }
    sorry_server: { address: 10.0.0.9, port: 8080, method: fullnat }
  - protocol: tcp
    address: 192.0.2.10
    port: 443
    real_servers: [{ address: 10.0.0.1, port: 443, method: dr }]
  - protocol: tcp
    address: 2001:db8::10
    port: 25
    scheduler: mh
    client_address: { proxy_protocol: 2 }
    real_servers: [{ address: 2001:db8::1, port: 25, method: fullnat }]
`,
  't.yaml',
).config;

const view = (include: boolean[], belowQuorum = false): ServiceView => ({ placements: include.map((i, r) => ({ include: i, weight: r === 0 ? 3 : 1 })), belowQuorum });

describe('the services HAProxy carries (client_address)', () => {
  it('are left out of the IPVS side, and given to the proxy with their rows of the desired table', () => {
    expect(ipvsPart(config).virtual_services.map((vs) => vs.port)).toEqual([443]);
    const table = desiredTable(config.virtual_services);
    expect(proxiedPart(config.virtual_services, table).map((s) => `${s.table.address}:${s.table.port}`)).toEqual(['192.0.2.10:80', '2001:db8::10:25']);
  });

  it('become a frontend and backend each, the scheduler, persistence and client address as HAProxy says them', () => {
    const proxied = proxiedPart(config.virtual_services, desiredTable(config.virtual_services, (vs, i) => (i === 0 ? view([true, false]) : view(vs.real_servers.map(() => true)))));
    const { text } = haproxyConfig(proxied, { worker: '/run/t/haproxy.sock' }, 600);
    expect(text).toContain('stats socket /run/t/haproxy.sock mode 600 level admin expose-fd listeners');
    expect(text).toContain('timeout client 600s');
    expect(text).toContain(
      [
        '# tcp 192.0.2.10:80 (web)',
        'frontend svc0',
        '    mode http',
        '    bind 192.0.2.10:80 transparent',
        '    default_backend svc0',
        '',
        'backend svc0',
        '    mode http',
        '    balance roundrobin',
        '    stick-table type ip size 1m expire 300s',
        '    stick on src,ipmask(255.255.255.0)',
        '    option forwardfor header X-Client',
        // rs2 is down, and the sorry server is out while the quorum holds.
        '    server s0 10.0.0.1:8080 weight 3',
        '    server s1 10.0.0.2:8080 weight 1 disabled',
        '    server s2 10.0.0.9:8080 weight 1 disabled',
      ].join('\n'),
    );
    expect(text).toContain(['frontend svc1', '    mode tcp', '    bind [2001:db8::10]:25 transparent'].join('\n'));
    expect(text).toContain(['    balance source', '    hash-type consistent', '    server s0 [2001:db8::1]:25 send-proxy-v2 weight 3'].join('\n'));
  });

  it('move between reloads through the runtime API: what changed only, weights before a server comes in', () => {
    const at = (include: boolean[], belowQuorum = false) =>
      proxyStates(proxiedPart(config.virtual_services, desiredTable(config.virtual_services, (vs, i) => (i === 0 ? view(include, belowQuorum) : view(vs.real_servers.map(() => true))))));
    const all = at([true, true]);
    const one = at([true, false]);
    const sorry = at([true, false], true);
    expect(stateCommands(all, all)).toEqual([]);
    expect(stateCommands(all, one)).toEqual(['set server svc0/s1 state maint']);
    expect(stateCommands(one, all)).toEqual(['set weight svc0/s1 1', 'set server svc0/s1 state ready']);
    // Below quorum the sorry server takes the new connections; rs1 keeps its own at weight 0.
    expect(stateCommands(one, sorry)).toEqual(['set weight svc0/s0 0', 'set weight svc0/s2 1', 'set server svc0/s2 state ready']);
    // A structure change (a reload) leaves the states out of the structure.
    const a = haproxyConfig(proxiedPart(config.virtual_services, desiredTable(config.virtual_services)), { worker: 's' });
    const b = haproxyConfig(proxiedPart(config.virtual_services, desiredTable(config.virtual_services, (vs) => view(vs.real_servers.map(() => false)))), { worker: 's' });
    expect(a.structure).toBe(b.structure);
    expect(a.text).not.toBe(b.text);
  });

  it('are refused where HAProxy cannot do what IPVS would: not fullnat, no equivalent scheduler, thresholds, weights above 256, UDP', () => {
    const bad = (vs: string) => () => parseConfig(`auth: none\nvirtual_services:\n  - ${vs}\n`, 't.yaml');
    expect(bad('{ protocol: tcp, address: 192.0.2.1, port: 80, client_address: { proxy_protocol: 1 }, real_servers: [{ address: 10.0.0.1, port: 80, method: nat }] }')).toThrow(
      /client_address is for fullnat services \(the real servers answer the director\): nat here/,
    );
    expect(bad('{ protocol: tcp, address: 192.0.2.1, port: 80, scheduler: lblc, client_address: { proxy_protocol: 1 }, real_servers: [] }')).toThrow(/lblc has no equivalent in HAProxy/);
    expect(bad('{ protocol: tcp, address: 192.0.2.1, port: 80, client_address: { proxy_protocol: 1 }, real_servers: [{ address: 10.0.0.1, port: 80, method: fullnat, upper_threshold: 5 }] }')).toThrow(/connection thresholds are IPVS's/);
    expect(bad('{ protocol: tcp, address: 192.0.2.1, port: 80, client_address: { proxy_protocol: 1 }, real_servers: [{ address: 10.0.0.1, port: 80, method: fullnat, weight: 300 }] }')).toThrow(/HAProxy weights go up to 256/);
    expect(bad('{ protocol: udp, address: 192.0.2.1, port: 53, client_address: { proxy_protocol: 1 }, real_servers: [] }')).toThrow(/a tcp service with a port/);
    expect(bad('{ protocol: tcp, address: 192.0.2.1, port: 80, client_address: { proxy_protocol: 1, http_header: X-A }, real_servers: [] }')).toThrow(/client_address/);
    expect(bad('{ protocol: tcp, address: 192.0.2.1, port: 80, client_address: { http_header: "X A" }, real_servers: [] }')).toThrow(/http_header/);
  });
});

import { describe, expect, it } from 'vitest';
import { checkSpecs } from '../../../src/check/build.js';
import { parseConfig } from '../../../src/config/parse.js';
import { errorsOf } from './errors-of.js';

const head = `auth: none
instances:
  - name: VI_1
    interface: eth0
    vrid: 51
    priority: 150
    vips: [192.0.2.100]
    track_services: [{ service: web, weight: -50 }]
virtual_services:
  - name: web
    protocol: tcp
    address: 192.0.2.100
    port: 80
`;


describe('health check config', () => {
  it('accepts a service check, a server override and fills the defaults', () => {
    const { config } = parseConfig(
      `${head}    check: { type: http, path: /health, status: [200, "300-399"], digest: 0123456789abcdef0123456789abcdef }
    real_servers:
      - { address: 10.0.0.1, port: 8080 }
      - { address: 10.0.0.2, port: 8080, check: { type: tcp, fall: 1 } }
`,
      'tandem.yaml',
    );
    const vs = config.virtual_services[0];
    expect(vs?.check).toEqual({ type: 'http', path: '/health', status: [200, '300-399'], digest: '0123456789abcdef0123456789abcdef', interval: 2, timeout: 2, rise: 1, fall: 3, warmup: 0, initially: 'up' });
    expect(vs?.real_servers[1]?.check).toMatchObject({ type: 'tcp', fall: 1 });
    expect(vs).toMatchObject({ inhibit_on_failure: false, quorum: 1, quorum_hysteresis: 0 });
  });

  it('refuses options of another check type, with their line', () => {
    expect(
      errorsOf(`${head}    check: { type: tcp, path: /x, query: SELECT 1 }
    real_servers: [{ address: 10.0.0.1, port: 8080 }]
`),
    ).toEqual([
      'tandem.yaml:14:31: virtual_services[0].check.path: applies to http and https checks, not tcp [check-option]',
      'tandem.yaml:14:42: virtual_services[0].check.query: applies to mysql checks, not tcp [check-option]',
    ]);
  });

  it('refuses a bad regex, a mysql check without user, both password sources, a bad status', () => {
    expect(
      errorsOf(`${head}    real_servers:
      - { address: 10.0.0.1, port: 80, check: { type: http, body_match: "(" } }
      - { address: 10.0.0.2, port: 3306, check: { type: mysql, password_file: /p, password_env: P } }
      - { address: 10.0.0.3, port: 80, check: { type: http, status: [99] } }
`),
    ).toEqual([expect.stringMatching(/^tandem\.yaml:17:70: virtual_services\[0\]\.real_servers\[2\]\.check\.status\[0\]: must be a status code like 200, or a range like "200-299"/)]);
    expect(
      errorsOf(`${head}    real_servers:
      - { address: 10.0.0.1, port: 80, check: { type: http, body_match: "(" } }
      - { address: 10.0.0.2, port: 3306, check: { type: mysql, password_file: /p, password_env: P } }
`),
    ).toEqual([
      expect.stringMatching(/^tandem\.yaml:15:73: virtual_services\[0\]\.real_servers\[0\]\.check\.body_match: not a valid regular expression: .* \[regex\]$/),
      'tandem.yaml:16:49: virtual_services[0].real_servers[1].check: missing required key "user" for a mysql check [required]',
      'tandem.yaml:16:97: virtual_services[0].real_servers[1].check.password_env: give password_file or password_env, not both [check-option]',
    ]);
  });

  it('takes several urls, each with its own expectations, and refuses a path beside them or a bad regex in one', () => {
    const { config } = parseConfig(
      `${head}    check: { type: http, urls: [{ path: /a, status: [200] }, { path: /b, host: b.example, body_match: ok }] }
    real_servers: [{ address: 10.0.0.1, port: 8080 }]
`,
      'tandem.yaml',
    );
    expect(config.virtual_services[0]?.check?.urls).toEqual([{ path: '/a', status: [200] }, { path: '/b', host: 'b.example', body_match: 'ok' }]);
    // The timeout is each request's (Keepalived's connect_timeout): the runner's deadline covers both.
    expect(checkSpecs(config.virtual_services)[0]?.timing.timeoutMs).toBe(4000);
    expect(
      errorsOf(`${head}    check: { type: http, path: /x, urls: [{ path: /a }, { path: /b, body_match: "(" }] }
    real_servers: [{ address: 10.0.0.1, port: 8080 }]
`),
    ).toEqual([
      expect.stringMatching(/^tandem\.yaml:14:\d+: virtual_services\[0\]\.check\.urls\[1\]\.body_match: not a valid regular expression: .* \[regex\]$/),
      expect.stringMatching(/^tandem\.yaml:14:\d+: virtual_services\[0\]\.check\.path: give it in each of `urls`, not beside them \[check-option\]$/),
    ]);
  });

  it('needs connect_port to check a firewall-mark server on port 0, and a known tracked service', () => {
    const text = `auth: none
instances:
  - { name: VI_1, interface: eth0, vrid: 51, priority: 150, vips: [192.0.2.100], track_services: [mail] }
virtual_services:
  - protocol: fwmark
    fwmark: 7
    check: { type: tcp }
    real_servers: [{ address: 10.0.0.1, port: 0, method: dr }]
`;
    expect(errorsOf(text)).toEqual([
      'tandem.yaml:8:20: virtual_services[0].real_servers[0]: a tcp check of a real server on port 0 (a firewall-mark service) needs connect_port [check-port]',
      'tandem.yaml:3:99: instances[0].track_services[0]: no virtual service named "mail" (named: fwmark 7); give the service a `name` [unknown-service]',
    ]);
  });

  it('a file check names an entry of files, which an instance may track too; unknown names are refused', () => {
    const text = `auth: none
files:
  capacity: { path: /run/capacity, weight: 2 }
instances:
  - { name: VI_1, interface: eth0, vrid: 51, priority: 150, vips: [192.0.2.100], track_files: [capacity, maint] }
virtual_services:
  - protocol: tcp
    address: 192.0.2.100
    port: 80
    check: { type: file, file: capacity, file_weight: 3 }
    real_servers:
      - { address: 10.0.0.1, port: 80, weight: 4 }
      - { address: 10.0.0.2, port: 80, check: { type: file, file: nothing } }
      - { address: 10.0.0.3, port: 80, check: { type: tcp, file: capacity } }
      - { address: 10.0.0.4, port: 80, check: { type: file } }
`;
    expect(errorsOf(text)).toEqual([
      expect.stringMatching(/^tandem\.yaml:5:\d+: instances\[0\]\.track_files\[1\]: no file named "maint" in files \(defined: capacity\) \[unknown-file\]$/),
      expect.stringMatching(/^tandem\.yaml:14:\d+: virtual_services\[0\]\.real_servers\[2\]\.check\.file: applies to file checks, not tcp \[check-option\]$/),
      expect.stringMatching(/^tandem\.yaml:15:\d+: virtual_services\[0\]\.real_servers\[3\]\.check: missing required key "file" for a file check \[required\]$/),
      expect.stringMatching(/^tandem\.yaml:13:\d+: virtual_services\[0\]\.real_servers\[1\]\.check\.file: no file named "nothing" in files \(defined: capacity\) \[unknown-file\]$/),
    ]);
    const { config } = parseConfig(text.split('\n').slice(0, 12).join('\n').replace(', maint', ''), 'tandem.yaml');
    expect(checkSpecs(config.virtual_services, config.files)[0]?.file).toEqual({ path: '/run/capacity', multiplier: 3 });
  });
});

import type { CheckSpec } from '../../src/check/build.js';
import { checkSpecs } from '../../src/check/build.js';
import { parseConfig } from '../../src/config/parse.js';

/**
 * The check specs of a config with one tcp service on 192.0.2.1:`port`, as the daemon would
 * build them: `check` and `servers` are YAML flow text (`{ type: tcp }`, `[{ address: ..., port: 80 }]`).
 */
export function specsOf(check: string, servers: string, port = 80): CheckSpec[] {
  const text = `auth: none
instances: [{ name: a, interface: eth0, vrid: 1, priority: 100, vips: [192.0.2.1] }]
virtual_services:
  - protocol: tcp
    address: 192.0.2.1
    port: ${port}
    check: ${check}
    real_servers: ${servers}
`;
  return checkSpecs(parseConfig(text, 't.yaml').config.virtual_services);
}

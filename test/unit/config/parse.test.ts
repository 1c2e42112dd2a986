import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../../src/config/errors.js';
import { parseConfig } from '../../../src/config/parse.js';
import { errorsOf } from './errors-of.js';

const good = `auth: none
instances:
  - name: VI_1
    interface: eth0
    vrid: 51
    priority: 150
    vips: [192.0.2.100/24]
`;


describe('config parsing', () => {
  it('accepts a minimal config and fills in the defaults', () => {
    const { config, warnings } = parseConfig(good, 'tandem.yaml');
    expect(config.transport).toEqual({ port: 5798, multicast_group: '224.0.0.18', multicast_group6: 'ff02::12' });
    expect(config.garp).toEqual({ interval: 0, repeat: 5, delay: 5, refresh: 0, refresh_repeat: 1 });
    expect(config.instances[0]).toMatchObject({ advert_interval: 1, preempt: true, preempt_delay: 0, track_interfaces: [], notify: {} });
    expect(warnings).toEqual([]);
  });

  it('accepts the example configs in conf/', () => {
    for (const f of ['conf/primary.yaml', 'conf/backup.yaml']) {
      expect(() => parseConfig(readFileSync(f, 'utf8'), f)).not.toThrow();
    }
  });

  it('refuses a config that holds nothing (the wrong file, an import of something else)', () => {
    expect(errorsOf('auth: none\n')).toEqual(['tandem.yaml:1:1: (top level): nothing to do: no instances, no virtual_services and no static addresses, routes or rules (is this the right file?) [empty-config]']);
  });

  it('points at an unknown key and suggests the near one', () => {
    expect(errorsOf(good.replace('    priority: 150', '    priority: 150\n    prority: 3'))).toEqual([
      'tandem.yaml:7:5: instances[0]: unknown key "prority"; did you mean "priority"? (allowed: name, interface, vrid, priority, advert_interval, preempt, preempt_delay, source_address, unicast_peers, vips, virtual_mac, virtual_mac_interface, track_interfaces, track_services, track_scripts, track_files, routes, rules, track_own_interface, alert, notify) [additionalProperties]',
    ]);
  });

  it('reports every error with line and column, not just the first', () => {
    const text = good.replace('vrid: 51', 'vrid: 300').replace('priority: 150', 'priority: high').replace('192.0.2.100/24', '192.0.2.999');
    expect(errorsOf(text)).toEqual([
      'tandem.yaml:5:11: instances[0].vrid: must be <= 255, got 300 [maximum]',
      'tandem.yaml:6:15: instances[0].priority: must be an integer, got string "high" [type]',
      'tandem.yaml:7:12: instances[0].vips[0]: must be an IPv4 or IPv6 address, optionally with /PREFIX, then if wanted `dev IFNAME` (1 to 15 letters, digits and _ . - @ +) and `no_track`, got "192.0.2.999" [format]',
    ]);
  });

  it('requires auth, and says what it may be', () => {
    expect(errorsOf(good.replace('auth: none\n', ''))).toEqual(['tandem.yaml:1:1: (top level): missing required key "auth" [required]']);
    expect(errorsOf(good.replace('auth: none', 'auth: yes-please'))).toEqual([
      'tandem.yaml:1:7: auth: must be `none`, a map with `key_file` or `key_env`, or `keys` and `active`, got string "yes-please" [oneOf]',
    ]);
    expect(errorsOf(good.replace('auth: none', 'auth: {key_file: /k, key_env: K}'))).toHaveLength(1);
  });

  it('reports YAML syntax errors and duplicate keys with their position', () => {
    expect(errorsOf('auth: none\ninstances: [\n')[0]).toMatch(/^tandem\.yaml:3:1: \(yaml\): .* \[yaml\]$/);
    expect(errorsOf(good + 'auth: none\n')[0]).toMatch(/^tandem\.yaml:8:1: \(yaml\): Map keys must be unique \[yaml\]$/);
  });

  it.each([['x\na f dev eth0'], ['eth0 label x'], ['eth0;reboot'], ['eth0/../eth1'], ['..'], ['eth0:1'], ['abcdefghijklmnop']])(
    'refuses the interface name %j with its line: it reaches ip command lines and sysfs paths',
    (name) => {
      const text = `auth: none\ninstances:\n  - {name: A, interface: ${JSON.stringify(name)}, vrid: 1, priority: 100, vips: [192.0.2.1]}\n`;
      expect(errorsOf(text)).toEqual([
        `tandem.yaml:3:26: instances[0].interface: ${JSON.stringify(name)} is not an interface name: 1 to 15 letters, digits and _ . - @ +, not . or .. [pattern]`,
      ]);
    },
  );

  it('takes the interface names people use', () => {
    for (const name of ['eth0', 'ens3f0np0', 'bond0.100', 'vrrp.51', 'br-lan', 'wg_0', 'abcdefghijklmno']) {
      const text = `auth: none\ninstances:\n  - {name: A, interface: ${name}, vrid: 1, priority: 100, vips: [192.0.2.1]}\n`;
      expect(parseConfig(text, 'tandem.yaml').config.instances[0]?.interface).toBe(name);
    }
  });

  it('takes a VIP on another interface, and refuses one whose interface name or options are not plain words', () => {
    const vips = (list: string[]) => `auth: none\ninstances:\n  - {name: A, interface: eth0, vrid: 1, priority: 100, vips: ${JSON.stringify(list)}}\n`;
    expect(parseConfig(vips(['192.0.2.1/24', '203.0.113.5/24 dev eth1', '2001:db8::5 dev eth1 no_track']), 'tandem.yaml').config.instances[0]?.vips).toHaveLength(3);
    for (const bad of ['203.0.113.5 dev', '203.0.113.5 dev eth1;reboot', '203.0.113.5 dev eth1 dev eth2', '203.0.113.5 label x', '203.0.113.5 dev abcdefghijklmnop', '203.0.113.5 no_track no_track']) {
      expect(errorsOf(vips([bad]))[0]).toMatch(/^tandem\.yaml:3:\d+: instances\[0\]\.vips\[0\]: must be an IPv4 or IPv6 address, .* \[format\]$/);
    }
  });

  it('refuses a file that is not a map', () => {
    expect(errorsOf('- a\n- b\n')).toEqual(['tandem.yaml:1:1: (top level): the file must hold a map of settings (auth, instances, ...) [type]']);
  });

  it('checks rules across fields: unique names, VRIDs and VIPs, known scripts, centiseconds', () => {
    const text = `auth: none
instances:
  - {name: A, interface: eth0, vrid: 1, priority: 100, vips: [192.0.2.1], advert_interval: 0.015}
  - {name: A, interface: eth0, vrid: 1, priority: 100, vips: [192.0.2.1/32], track_scripts: [chk]}
sync_groups:
  - {name: G, instances: [A, B]}
`;
    expect(errorsOf(text)).toEqual([
      'tandem.yaml:3:92: instances[0].advert_interval: must be a multiple of 0.01 s (adverts carry centiseconds), got 0.015 [centiseconds]',
      'tandem.yaml:4:12: instances[1].name: name A is already used by instance 0; each must be unique [unique-name]',
      'tandem.yaml:4:38: instances[1].vrid: vrid 1 is already used by instance A; each must be unique [unique-vrid]',
      'tandem.yaml:4:63: instances[1].vips[0]: VIP 192.0.2.1 is already used by instance A; each must be unique [unique-vip]',
      'tandem.yaml:4:94: instances[1].track_scripts[0]: no script named "chk" in scripts (defined: none) [unknown-script]',
      'tandem.yaml:6:30: sync_groups[0].instances[1]: no instance named "B" (defined: A) [unknown-instance]',
    ]);
  });

  it('warns when sync group members have different priorities', () => {
    const text = `auth: none
instances:
  - {name: A, interface: eth0, vrid: 1, priority: 100, vips: [192.0.2.1]}
  - {name: B, interface: eth1, vrid: 2, priority: 90, vips: [198.51.100.1]}
sync_groups:
  - {name: G, instances: [A, B]}
`;
    expect(parseConfig(text, 'tandem.yaml').warnings.map(formatIssue)).toEqual([
      'tandem.yaml:6:5: sync_groups[0]: members have different priorities (100, 90); give them one priority so they elect alike [sync-priority]',
    ]);
  });

  it('validates scripts, track interfaces and notify commands', () => {
    const text = `auth: none
scripts:
  chk: {command: [], weight: 300}
instances:
  - name: A
    interface: eth0
    vrid: 1
    priority: 100
    vips: [192.0.2.1]
    track_interfaces: [eth1, {interface: eth2, weight: -10}, {interface: eth3}]
    notify: {master: /bin/true}
`;
    expect(errorsOf(text)).toEqual([
      'tandem.yaml:3:18: scripts.chk.command: must have at least 1 item [minItems]',
      'tandem.yaml:3:30: scripts.chk.weight: must be <= 253, got 300 [maximum]',
      'tandem.yaml:10:62: instances[0].track_interfaces[2]: must be an interface name, or a map with `interface` and `weight`, got a map [oneOf]',
      'tandem.yaml:11:22: instances[0].notify.master: must be an array, got string "/bin/true" [type]',
    ]);
  });
});

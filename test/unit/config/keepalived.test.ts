import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { formatNote, importKeepalived, importKeepalivedFile } from '../../../src/config/keepalived/import.js';
import { KeepalivedSyntaxError, parseKeepalived, splitCommand } from '../../../src/config/keepalived/parse.js';

const FIXTURE = 'test/unit/config/fixtures/keepalived-pair.conf';

describe('keepalived.conf parser', () => {
  it('reads statements, blocks on the same or the next line, quotes and comments', () => {
    const tree = parseKeepalived('global_defs # c\n{\n  router_id "x y" ! d\n}\nvrrp_instance A {\n virtual_ipaddress { 192.0.2.1 }\n}\nvrrp_script s\n{\n}\n', 'k.conf');
    expect(tree).toEqual([
      { keyword: 'global_defs', args: [], line: 1, children: [{ keyword: 'router_id', args: ['x y'], line: 3 }] },
      { keyword: 'vrrp_instance', args: ['A'], line: 5, children: [{ keyword: 'virtual_ipaddress', args: [], line: 6, values: true, children: [{ keyword: '192.0.2.1', args: [], line: 6 }] }] },
      { keyword: 'vrrp_script', args: ['s'], line: 8, children: [] },
    ]);
  });

  it('opens a block only where Keepalived does: a "{" after another keyword is ignored and its "}" closes the block it stands in', () => {
    // As keepalived -t reads it: "Unknown keyword 'SMTP_CHEKC'", "Unexpected '{' - ignoring"; the
    // "}" closes real_server, so TCP_CHECK is read in virtual_server (unknown there), whose
    // connect_timeout it is; TCP_CHECK's "}" closes virtual_server and the last two close nothing.
    const tree = parseKeepalived('virtual_server 192.0.2.1 80 {\n real_server 10.0.0.1 80 {\n  SMTP_CHEKC {}\n  TCP_CHECK {\n   connect_timeout 3\n  }\n }\n}\n', 'k.conf');
    expect(tree).toEqual([
      {
        keyword: 'virtual_server',
        args: ['192.0.2.1', '80'],
        line: 1,
        children: [
          { keyword: 'real_server', args: ['10.0.0.1', '80'], line: 2, children: [{ keyword: 'SMTP_CHEKC', args: [], line: 3, unknown: true, strayBrace: true }] },
          { keyword: 'TCP_CHECK', args: [], line: 4, unknown: true, strayBrace: true },
          { keyword: 'connect_timeout', args: ['3'], line: 5 },
        ],
      },
      { keyword: '}', args: [], line: 7, unknown: true },
      { keyword: '}', args: [], line: 8, unknown: true },
    ]);
    // A block keyword without its "{" still takes the lines after it (Keepalived: "Missing '{'").
    expect(parseKeepalived('vrrp_instance A\n interface eth0\n}\n', 'k.conf')).toEqual([
      { keyword: 'vrrp_instance', args: ['A'], line: 1, braceMissing: true, children: [{ keyword: 'interface', args: ['eth0'], line: 2 }] },
    ]);
  });

  it('refuses a template, whose "{{" Keepalived would read as braces', () => {
    expect(() => parseKeepalived('vrrp_instance A {\n interface {{ iface }}\n}\n', 'k.conf')).toThrow(/k\.conf:2: "\{\{": this is a template/);
    expect(parseKeepalived('vrrp_script s {\n script "echo {{x}}"\n}\n', 'k.conf')[0]?.children).toEqual([{ keyword: 'script', args: ['echo {{x}}'], line: 2 }]);
  });

  it('reports unbalanced braces and open quotes with their line', () => {
    expect(() => parseKeepalived('vrrp_instance A {\n interface eth0\n', 'k.conf')).toThrow(new KeepalivedSyntaxError('k.conf', 1, 'block opened here is never closed'));
    // Keepalived skips a "}" that closes nothing and reads on: the translator reports it.
    expect(parseKeepalived('global_defs {\n}\n}\nvrrp_script s {\n}\n', 'k.conf')).toEqual([
      { keyword: 'global_defs', args: [], line: 1, children: [] },
      { keyword: '}', args: [], line: 3, unknown: true },
      { keyword: 'vrrp_script', args: ['s'], line: 4, children: [] },
    ]);
    expect(() => parseKeepalived('script "abc\n', 'k.conf')).toThrow('k.conf:1: unterminated quoted string');
  });

  it('splits script strings into argv', () => {
    expect(splitCommand("/bin/x a 'b c' d")).toEqual(['/bin/x', 'a', 'b c', 'd']);
  });
});

describe('keepalived.conf import', () => {
  const out = importKeepalived(readFileSync(FIXTURE, 'utf8'), 'k.conf');

  it('translates instances, scripts, sync groups and garp settings', () => {
    expect(parse(out.yaml)).toEqual({
      auth: { key_file: '/etc/tandem/key' },
      garp: { delay: 10, repeat: 3 },
      scripts: { chk_haproxy: { command: ['/usr/bin/killall', '-0', 'haproxy'], interval: 2, weight: -20, rise: 2, fall: 3 } },
      instances: [
        {
          name: 'VI_EXT',
          interface: 'eth0',
          vrid: 51,
          priority: 150,
          advert_interval: 1,
          // nopreempt and preempt_delay 30 with state MASTER: Keepalived clears both (warnings below).
          source_address: '192.0.2.1',
          unicast_peers: ['192.0.2.2'],
          vips: ['192.0.2.100/24', '192.0.2.101', '198.51.100.9/24 dev eth9 no_track'],
          // VI_EXT is in sync group VG1: Keepalived takes no tracking weights there (the weight of
          // eth2 and the weighted script are ignored), and ignores eth0, its own; see the warnings below.
          track_interfaces: ['eth2'],
          notify: { master: ['/usr/local/bin/notify.sh', 'master', 'with space'], any: ['/usr/local/bin/notify-any.sh'] },
        },
        { name: 'VI_INT', interface: 'eth1', vrid: 52, priority: 150, advert_interval: 1, vips: ['198.51.100.1/24'] },
      ],
      sync_groups: [{ name: 'VG1', instances: ['VI_EXT', 'VI_INT'], notify: { master: ['/etc/keepalived/master.sh'] } }],
      virtual_services: [{ protocol: 'tcp', address: '192.0.2.100', port: 80, scheduler: 'rr', real_servers: [] }],
    });
    expect(out.problems).toEqual([]);
  });

  it('reports every statement it did not carry over, with its line', () => {
    expect(out.notes.map((n) => formatNote('k.conf', n))).toEqual([
      'k.conf:3: note: global_defs > router_id: not needed: tandem names itself by its address',
      'k.conf:5: note: global_defs > enable_script_security: tandem runs every command by its argument list, never through a shell',
      'k.conf:25: note: vrrp_instance VI_EXT > state: initial state MASTER dropped: tandem elects by priority (set the master\'s priority higher)',
      'k.conf:30: note: vrrp_instance VI_EXT > version: dropped: tandem speaks its own authenticated protocol over UDP; both directors must run tandem',
      'k.conf:31: warning: vrrp_instance VI_EXT > nopreempt: Keepalived clears nopreempt with initial state MASTER (it logs "nopreempt will not work with initial state MASTER - clearing"): the instance preempts; so does this import',
      'k.conf:32: warning: vrrp_instance VI_EXT > preempt_delay: Keepalived clears preempt_delay with initial state MASTER (it logs "preempt delay will not work with initial state MASTER - clearing"); so does this import',
      "k.conf:37: note: vrrp_instance VI_EXT > authentication: Keepalived's auth_pass is not carried over: put a shared key of 16+ bytes in /etc/tandem/key on both directors",
      'k.conf:42: note: vrrp_instance VI_EXT > 192.0.2.100/24: label eth0:vip dropped (a name `ip addr` shows; traffic is the same)',
      'k.conf:47: warning: vrrp_instance VI_EXT > eth0: Keepalived ignores a tracked interface that is the instance\'s own (it logs "Ignoring track_interface eth0 since own interface"); so does this import',
      'k.conf:48: warning: vrrp_instance VI_EXT > eth2: Keepalived ignores the weight of the tracked interface eth2 (down faults the instance) of an instance that is a member of sync group VG1, which has no sync_group_tracking_weight (it logs "ignoring eth2 tracked interface weight due to SYNC group"); so does this import',
      'k.conf:51: warning: vrrp_instance VI_EXT > chk_haproxy: Keepalived does not track the script chk_haproxy (weight -20; weight 0 would make its failure a fault) of an instance that is a member of sync group VG1, which has no sync_group_tracking_weight (it logs "ignoring tracked script chk_haproxy with weights due to SYNC group"); so does this import',
      'k.conf:56: note: smtp_alert: alerts asked for, but no smtp_server or notification_email: none will be sent (as in Keepalived)',
      "k.conf:63: note: vrrp_instance VI_INT > authentication: Keepalived's auth_pass is not carried over: put a shared key of 16+ bytes in /etc/tandem/key on both directors",
    ]);
  });

  it('translates virtual servers, real servers, the sync daemon and the timeouts', () => {
    const r = importKeepalived(readFileSync('test/unit/config/fixtures/keepalived-lvs.conf', 'utf8'), 'lvs.conf');
    const config = parse(r.yaml);
    expect(config.ipvs).toEqual({ sync_daemon: { interface: 'eth1', sync_id: 51, max_message_bytes: 200 }, timeouts: { tcp: 7200, tcpfin: 120, udp: 300 } });
    expect(config.virtual_services).toEqual([
      {
        protocol: 'tcp',
        address: '192.0.2.100',
        port: 80,
        scheduler: 'wlc',
        persistence: { timeout: 300, netmask: '255.255.255.0' },
        sorry_server: { address: '198.51.100.99', port: 80, method: 'nat' },
        real_servers: [
          {
            address: '198.51.100.1',
            port: 80,
            weight: 3,
            upper_threshold: 100,
            lower_threshold: 10,
            check: { type: 'tcp', interval: 6, timeout: 3, fall: 2, retry_delay: 1 },
            method: 'nat',
          },
          { address: '198.51.100.2', port: 80, weight: 1, method: 'nat' },
        ],
      },
      { protocol: 'udp', address: '192.0.2.100', port: 53, scheduler: 'sh', scheduler_flags: ['sh-port'], real_servers: [{ address: '198.51.100.3', port: 53, method: 'dr' }] },
      { protocol: 'fwmark', fwmark: 5, scheduler: 'rr', real_servers: [{ address: '198.51.100.4', port: 0, method: 'tun' }] },
    ]);
    expect(r.notes.map((n) => formatNote('lvs.conf', n))).toEqual([
      'lvs.conf:2: note: global_defs > lvs_sync_daemon: instance VI_1 dropped: tandem runs the sync daemon as master and backup on both directors, whatever the VRRP state',
      'lvs.conf:0: note: authentication: no instance had authentication: imported as `auth: none`; set auth.key_file to protect the VIPs',
    ]);
    expect(r.problems).toEqual([]);
  });

  it('translates the health checkers and their timers, nearest level first', () => {
    const r = importKeepalived(readFileSync('test/unit/config/fixtures/keepalived-checks.conf', 'utf8'), 'checks.conf');
    const [web, tls, db] = parse(r.yaml).virtual_services;
    // The first server's two url blocks are both requested in turn; the second server has one.
    const common = { type: 'http', connect_port: 8080, interval: 3, timeout: 2, fall: 4, retry_delay: 0.5, warmup: 5, initially: 'down', host: 'www.example.com' };
    const health = { path: '/health', digest: '9b3a7d2b0ab1f0c2bbf5d1f2a4c6e8d0', status: [200, '300-302'], body_match: 'ready' };
    expect(web).toEqual({
      protocol: 'tcp',
      address: '192.0.2.100',
      port: 80,
      scheduler: 'wrr',
      quorum: 2,
      quorum_hysteresis: 1,
      notify: { quorum_up: ['/usr/local/bin/up.sh'] },
      real_servers: [
        { address: '198.51.100.1', port: 80, weight: 2, inhibit_on_failure: true, method: 'dr', check: { ...common, urls: [health, { path: '/other' }] } },
        { address: '198.51.100.2', port: 80, weight: 2, method: 'dr', check: { ...common, ...health } },
      ],
    });
    // Two checkers: both kept, the server up while both pass.
    expect(tls.real_servers[0].check).toBeUndefined();
    expect(tls.real_servers[0].checks[1]).toMatchObject({ type: 'tcp' });
    expect(tls.real_servers[0].checks[0]).toEqual({
      type: 'https',
      path: '/',
      body_not_match: 'maintenance',
      host: 'secure.example.com',
      sni: 'secure.example.com',
      connect_address: '198.51.100.20',
      source_address: '198.51.100.250',
      verify_tls: false,
      interval: 60,
      timeout: 5,
      fall: 2,
      retry_delay: 1,
    });
    expect(db.real_servers[0].check).toEqual({ type: 'script', command: ['/usr/local/bin/check-db', '198.51.100.30'], dynamic: true, user: 'nobody', interval: 10, timeout: 4, fall: 1 });
    expect(r.notes.filter((n) => n.kind === 'untranslated').map((n) => formatNote('checks.conf', n))).toEqual([]);
    expect(r.problems).toEqual([]);
  });

  it('reads included files (globs, relative to the including file) and names their lines', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tandem-import-'));
    try {
      writeFileSync(path.join(dir, 'keepalived.conf'), 'global_defs {\n  router_id lb1\n}\ninclude conf.d/*.conf\n');
      mkdirSync(path.join(dir, 'conf.d'));
      writeFileSync(path.join(dir, 'conf.d', 'a.conf'), 'vrrp_instance A {\n interface eth0\n virtual_router_id 1\n priority 100\n virtual_ipaddress {\n 192.0.2.5\n }\n use_ipvlan\n}\n');
      writeFileSync(path.join(dir, 'conf.d', 'b.conf'), 'virtual_server 192.0.2.5 80 {\n  real_server 198.51.100.1 80 {\n  }\n}\n');
      const r = await importKeepalivedFile(path.join(dir, 'keepalived.conf'));
      const config = parse(r.yaml);
      expect(config.instances.map((i: { name: string }) => i.name)).toEqual(['A']);
      expect(config.virtual_services[0].real_servers).toEqual([{ address: '198.51.100.1', port: 80, method: 'nat' }]);
      expect(r.notes.filter((n) => n.kind === 'untranslated').map((n) => formatNote('keepalived.conf', n))).toEqual([
        `${path.join(dir, 'conf.d', 'a.conf')}:8: not translated: vrrp_instance A > use_ipvlan: tandem has no equivalent`,
      ]);
      writeFileSync(path.join(dir, 'loop.conf'), 'include loop.conf\n');
      await expect(importKeepalivedFile(path.join(dir, 'loop.conf'))).rejects.toThrow(/nested deeper than 8/);
      writeFileSync(path.join(dir, 'missing.conf'), 'include nothere.conf\nvirtual_server 192.0.2.5 80 {\n include vs.conf\n}\n');
      const missing = await importKeepalivedFile(path.join(dir, 'missing.conf'));
      expect(missing.problems).toEqual([]);
      expect(missing.notes.filter((n) => n.kind === 'warning').map((n) => formatNote('missing.conf', n))).toEqual([
        'missing.conf:1: warning: include: no such file: nothere.conf; Keepalived runs without it, and so does this import (import on a director that has it)',
        'missing.conf:2: warning: virtual_server: no protocol: Keepalived makes the service UDP (it logs "no protocol set - defaulting to UDP"); so does this import; write `protocol TCP` if you meant TCP',
        'missing.conf:3: warning: virtual_server 192.0.2.5 80 > include: no such file: vs.conf; Keepalived runs without it, and so does this import (import on a director that has it)',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('imports no authentication as an explicit auth: none, with a warning', () => {
    const r = importKeepalived('vrrp_instance A {\n interface eth0\n virtual_router_id 1\n priority 100\n virtual_ipaddress {\n 192.0.2.5\n }\n}\n', 'k.conf');
    expect(parse(r.yaml).auth).toBe('none');
    expect(r.notes.map((n) => n.message)).toEqual(['no instance had authentication: imported as `auth: none`; set auth.key_file to protect the VIPs']);
    expect(r.problems).toEqual([]);
  });

  it('says when the result would not validate', () => {
    const r = importKeepalived('vrrp_instance A {\n virtual_router_id 1\n priority 100\n}\n', 'k.conf');
    expect(r.problems).toEqual([
      '(imported):4:5: instances[0]: missing required key "interface" [required]',
    ]);
  });
});

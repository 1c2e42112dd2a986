import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { formatNote, importKeepalived } from '../../../src/config/keepalived/import.js';
import { isStrictFailure } from '../../../src/config/keepalived/report.js';

const imported = (text: string) => {
  const r = importKeepalived(text, 'k.conf', { configId: 'lb1' });
  return { config: parse(r.yaml), notes: r.notes.map((n) => formatNote('k.conf', n)), strict: r.notes.filter(isStrictFailure).length, problems: r.problems };
};

const VS = (body: string, head = '192.0.2.10 80') => `virtual_server ${head} {\n${body}\n real_server 198.51.100.1 80 {\n  TCP_CHECK {\n   connect_timeout 1\n  }\n }\n}\n`;

describe('keepalived.conf import: what Keepalived accepts, tandem takes', () => {
  it('a config without vrrp_instance is a checker-only director', () => {
    const r = imported(VS(' delay_loop 2'));
    expect(r.problems).toEqual([]);
    expect(r.config.instances).toBeUndefined();
    expect(r.config.auth).toBe('none');
    expect(r.notes).toContain('k.conf:0: note: vrrp_instance: no VRRP instance: a checker-only director (it checks the real servers and keeps the IPVS table; another system moves the VIPs)');
    expect(r.strict).toBe(0);
  });

  it('virtual_server_group becomes one service per address, port or mark, ranges expanded', () => {
    const r = imported(`virtual_server_group G {\n 192.0.2.1-3 80\n 192.0.2.9 443\n fwmark 7\n}\n${VS(' lb_algo rr\n protocol TCP', 'group G')}`);
    expect(r.problems).toEqual([]);
    const services = r.config.virtual_services as { address?: string; port?: number; fwmark?: number; protocol: string; scheduler: string; real_servers: unknown[] }[];
    expect(services.map((s) => s.fwmark ?? `${s.address} ${s.port}`)).toEqual(['192.0.2.1 80', '192.0.2.2 80', '192.0.2.3 80', '192.0.2.9 443', 7]);
    expect(services.every((s) => s.scheduler === 'rr' && s.real_servers.length === 1)).toBe(true);
    expect(services[4]?.protocol).toBe('fwmark');
    const v6 = imported(`virtual_server_group G6 {\n 2001:db8::a-c 80\n}\nvirtual_server group G6 {\n real_server 2001:db8::1 80 {\n }\n}\n`);
    expect(v6.config.virtual_services.map((s: { address: string }) => s.address)).toEqual(['2001:db8::a', '2001:db8::b', '2001:db8::c']);
  });

  it('lb_kind outside NAT, DR, TUN is refused by Keepalived, which keeps NAT: so does the import, with a warning', () => {
    const r = imported(VS(' lb_kind dr'));
    expect(r.config.virtual_services[0].real_servers[0].method).toBe('nat');
    expect(r.notes).toContain('k.conf:2: warning: virtual_server 192.0.2.10 80 > lb_kind: Keepalived refuses lb_kind "dr" and keeps NAT, so does this import; write DR if you meant it');
    expect(imported(VS(' lb_kind DR')).config.virtual_services[0].real_servers[0].method).toBe('dr');
  });

  it('a bare persistence_timeout is 360 s, and a port-0 service with persistence is kept', () => {
    expect(imported(VS(' persistence_timeout')).config.virtual_services[0].persistence).toEqual({ timeout: 360 });
    const r = imported(`virtual_server 192.0.2.10 0 {\n persistence_timeout 60\n real_server 198.51.100.1 0 {\n }\n}\n`);
    expect(r.problems).toEqual([]);
    expect(r.config.virtual_services[0]).toMatchObject({ port: 0, persistence: { timeout: 60 } });
  });

  it('skips a MISC_CHECK without a script, as Keepalived; refuses a portless check without connect_port with its line', () => {
    const r = imported(`virtual_server 192.0.2.10 0 {\n persistence_timeout 60\n real_server 198.51.100.1 0 {\n  MISC_CHECK {}\n  HTTP_GET {\n   url {\n    path /\n   }\n  }\n }\n real_server 198.51.100.2 0 {\n  TCP_CHECK {\n   connect_port 80\n  }\n }\n}\n`);
    expect(r.problems).toEqual([]);
    expect(r.config.virtual_services[0].real_servers.map((rs: { check?: { type: string } }) => rs.check?.type ?? 'none')).toEqual(['none', 'tcp']);
    expect(r.notes).toEqual(
      expect.arrayContaining([
        'k.conf:4: warning: virtual_server 192.0.2.10 0 > real_server 198.51.100.1 0 > MISC_CHECK: Keepalived skips a MISC_CHECK without misc_path; so does this import',
        'k.conf:5: not translated: virtual_server 192.0.2.10 0 > real_server 198.51.100.1 0 > HTTP_GET: a check of a real server without a port and without connect_port (Keepalived connects to port 0, which never answers): give connect_port',
      ]),
    );
  });

  it("makes an SMTP_CHECK's host blocks one check each, and a real server's several checkers its checks", () => {
    const r = imported(`virtual_server 192.0.2.10 25 {
 real_server 198.51.100.1 25 {
  SMTP_CHECK {
   host {
    connect_ip 198.51.100.1
   }
   host {
    connect_ip 198.51.100.9
    connect_port 2525
   }
  }
  TCP_CHECK {
   connect_port 587
  }
 }
}
`);
    expect(r.problems).toEqual([]);
    expect(r.strict).toBe(0);
    const checks = r.config.virtual_services[0].real_servers[0].checks.map((c: { type: string; connect_address?: string; connect_port?: number }) => `${c.type} ${c.connect_address ?? '-'} ${c.connect_port ?? '-'}`);
    expect(checks).toEqual(['smtp 198.51.100.1 -', 'smtp 198.51.100.9 2525', 'tcp - 587']);
  });

  it("reads a block whose '{' is missing as Keepalived does: the lines after it, to its '}'", () => {
    const r = imported(`virtual_server 192.0.2.10 80\n lb_algo rr\n real_server 198.51.100.1 80\n  weight 3\n }\n}\nvirtual_server 192.0.2.11 80 {\n real_server 198.51.100.2 80 {\n }\n}\n`);
    expect(r.problems).toEqual([]);
    expect(r.config.virtual_services.map((vs: { address: string; scheduler?: string; real_servers: { weight?: number }[] }) => `${vs.address} ${vs.scheduler ?? '-'} ${vs.real_servers.map((rs) => rs.weight ?? '-').join(',')}`)).toEqual(['192.0.2.10 rr 3', '192.0.2.11 - -']);
    expect(r.notes.filter((n: string) => n.includes('is missing'))).toEqual([
      `k.conf:1: warning: virtual_server: its "{" is missing: Keepalived reads the lines after it as its block (and logs "Missing '{'"), so does this import; add the "{"`,
      `k.conf:3: warning: virtual_server 192.0.2.10 80 > real_server: its "{" is missing: Keepalived reads the lines after it as its block (and logs "Missing '{'"), so does this import; add the "{"`,
    ]);
  });

  it('gives an instance that shares its VRID with one on another interface the next free VRID', () => {
    const inst = (name: string, iface: string, vrid: number, vip: string) => `vrrp_instance ${name} {\n interface ${iface}\n virtual_router_id ${vrid}\n virtual_ipaddress {\n  ${vip}\n }\n}\n`;
    const r = imported(inst('WAN', 'em1', 51, '198.51.100.1') + inst('LAN', 'em2', 51, '10.0.0.1') + inst('DMZ', 'em3', 52, '10.1.0.1') + inst('V6', 'em1', 51, '2001:db8::1'));
    expect(r.problems).toEqual([]);
    expect(r.config.instances.map((i: { name: string; vrid: number }) => `${i.name} ${i.vrid}`)).toEqual(['WAN 51', 'LAN 53', 'DMZ 52', 'V6 54']);
    expect(r.notes).toContain("k.conf:10: warning: vrrp_instance LAN > virtual_router_id: VRID 51 is also instance WAN's (on em1): Keepalived tells them apart by interface, tandem by VRID alone, so this one gets 53; import the peer director's config the same way");
    expect(r.strict).toBe(0);
  });

  it('names script_user as a difference only when the notify hooks would run as another user', () => {
    const hooks = (user: string) =>
      imported(`global_defs {\n script_user ${user}\n}\nvrrp_instance A {\n interface eth0\n virtual_router_id 9\n notify_master /bin/true\n virtual_ipaddress {\n  192.0.2.100\n }\n}\n`).notes.filter((n: string) => n.includes('script_user'));
    expect(hooks('nobody')).toEqual(['k.conf:2: differs: global_defs > script_user: tracking scripts and script checks run as nobody; notify hooks run as root (tandem has no user for hooks)']);
    expect(hooks('root')).toEqual([]);
  });

  it('keeps excluded VIPs, one-member groups (whose member takes no tracking weights) and the instance options', () => {
    const r = imported(`global_defs {
 default_interface eth3
 script_user nobody
}
vrrp_script chk {
 script "/bin/true"
 weight -5
}
vrrp_instance A {
 virtual_router_id 9
 mcast_src_ip 192.0.2.2
 dont_track_primary
 track_script {
  chk weight -30
 }
 virtual_ipaddress {
  192.0.2.100
  192.0.2.100
 }
 virtual_ipaddress_excluded {
  192.0.2.101/24 dev eth3
 }
}
vrrp_sync_group G {
 group {
  A
 }
}
`);
    expect(r.problems).toEqual([]);
    expect(r.config.scripts.chk).toEqual({ command: ['/bin/true'], weight: -5, user: 'nobody' });
    expect(r.config.instances[0]).toEqual({
      name: 'A',
      vrid: 9,
      interface: 'eth3',
      priority: 100,
      source_address: '192.0.2.2',
      track_own_interface: false,
      vips: ['192.0.2.100', '192.0.2.101/24'],
    });
    // A one-member sync group is a sync group all the same: keepalived -t logs "Sync group G has
    // only 1 virtual router(s)" and "(A) ignoring tracked script chk with weights due to SYNC group".
    expect(r.notes.filter((n) => n.includes('ignoring tracked script chk with weights due to SYNC group'))).toHaveLength(1);
    expect(r.config.sync_groups).toEqual([{ name: 'G', instances: ['A'] }]);
    expect(r.notes).toContain('k.conf:18: note: vrrp_instance A > 192.0.2.100: 192.0.2.100 is listed twice; kept once');
    expect(r.strict).toBe(0);
  });

  it('turns the notification settings and smtp_alert into mail alerts, with Keepalived\'s defaults', () => {
    const r = imported(`global_defs {
 notification_email {
  ops@example.com
  noc@example.com
 }
 notification_email_from lb@example.com
 smtp_server 127.0.0.1 2525
 smtp_connect_timeout 15
 smtp_alert_checker
}
vrrp_instance A {
 interface eth0
 virtual_router_id 1
 smtp_alert
}
vrrp_instance B {
 interface eth0
 virtual_router_id 2
}
${VS('')}`);
    expect(r.problems).toEqual([]);
    expect(r.config.alerts).toEqual({ smtp: { to: ['ops@example.com', 'noc@example.com'], from: 'lb@example.com', server: '127.0.0.1', port: 2525, connect_timeout: 15 } });
    expect(r.config.instances.map((i: { alert?: boolean }) => i.alert)).toEqual([true, undefined]);
    expect(r.config.virtual_services[0].alert).toBe(true);
    expect(r.strict).toBe(0);
  });

  it('translates the UDP, PING, DNS and SMTP checkers', () => {
    const r = imported(`virtual_server 192.0.2.10 53 {
 protocol UDP
 real_server 198.51.100.1 53 {
  DNS_CHECK {
   type A
   name example.org
  }
 }
 real_server 198.51.100.2 53 {
  UDP_CHECK {
   payload 0a0b
   require_reply
  }
 }
 real_server 198.51.100.3 53 {
  PING_CHECK {
   connect_timeout 2
  }
 }
 real_server 198.51.100.4 25 {
  SMTP_CHECK {
   helo_name lb.example.com
  }
 }
}
`);
    expect(r.problems).toEqual([]);
    const checks = r.config.virtual_services[0].real_servers.map((rs: { check: object }) => rs.check);
    expect(checks).toMatchObject([
      { type: 'dns', query_type: 'A', query_name: 'example.org', interval: 60, timeout: 5, fall: 2 },
      { type: 'udp', payload: '0a0b', require_reply: true },
      { type: 'ping', timeout: 2 },
      { type: 'smtp', helo: 'lb.example.com' },
    ]);
    expect(r.strict).toBe(0);
  });

  it('--strict fails on what tandem would do otherwise, and only on that', () => {
    const loose = imported(`global_defs {\n vrrp_strict\n router_id x\n}\nvrrp_instance A {\n interface eth0\n virtual_router_id 1\n use_ipvlan\n}\n`);
    expect(loose.strict).toBe(2);
    expect(loose.notes).toContain('k.conf:2: differs: global_defs > vrrp_strict: vrrp_strict also drops all traffic to the VIPs with iptables and refuses unicast and authentication; tandem does none of this');
    expect(loose.notes).toContain('k.conf:8: not translated: vrrp_instance A > use_ipvlan: tandem has no equivalent');
  });

  it('drops a sync group whose members are outside `group { }`, as Keepalived does', () => {
    const r = imported(`vrrp_sync_group G {\n A\n}\nvrrp_instance A {\n interface eth0\n virtual_router_id 1\n}\n`);
    expect(r.config.sync_groups).toBeUndefined();
    expect(r.notes).toContain('k.conf:2: warning: vrrp_sync_group G > A: Keepalived ignores "A" here (members go inside `group { }`); so does this import');
    expect(r.problems).toEqual([]);
  });

  it('ignores what Keepalived 2 ignores (its keepalived -t says "Unknown keyword"), with a warning', () => {
    const r = imported(`vrrp_instance VI_1 {
 interface eth0
 virtual_router_id 51
 virtual_ipaddress {
  10.0.0.9 //the VIP
 }
}
virtual_server 10.0.0.9 80 {
 nat_mask 255.255.255.255
 persistence_timeout 0
 real_server 10.0.0.11 80 {
  TCP_CHECK {
   connect_timeout 3
   nb_get_retry 3
  }
 }
}
`);
    expect(r.problems).toEqual([]);
    expect(r.strict).toBe(0);
    const vs = r.config.virtual_services[0];
    expect(vs.persistence).toBeUndefined();
    expect(vs.real_servers[0].check).toMatchObject({ type: 'tcp', fall: 2 });
    expect(r.config.instances[0].vips).toEqual(['10.0.0.9']);
    expect(r.notes.filter((n) => n.includes(': warning: '))).toEqual([
      'k.conf:5: warning: vrrp_instance VI_1 > 10.0.0.9: Keepalived ignores "//the", "VIP" here (not an address option); so does this import',
      'k.conf:8: warning: virtual_server: no protocol: Keepalived makes the service UDP (it logs "no protocol set - defaulting to UDP"); so does this import; write `protocol TCP` if you meant TCP',
      'k.conf:9: warning: virtual_server 10.0.0.9 80 > nat_mask: Keepalived 2 ignores nat_mask (an unknown keyword since 1.x); so does this import',
      'k.conf:10: warning: virtual_server 10.0.0.9 80 > persistence_timeout: Keepalived refuses persistence_timeout 0 (1 to 2678400) and leaves the service without persistence; so does this import',
      'k.conf:14: warning: virtual_server 10.0.0.9 80 > real_server 10.0.0.11 80 > TCP_CHECK > nb_get_retry: Keepalived 2 ignores nb_get_retry here (it knows it in HTTP_GET and SSL_GET only; use retry); so does this import',
    ]);
  });

  it("keeps a script's init_fail: it counts as failed until it has succeeded rise times", () => {
    const r = imported(`vrrp_script chk {\n script /bin/true\n rise 2\n init_fail\n}\nvrrp_script plain {\n script /bin/true\n}\nvrrp_instance A {\n interface eth0\n virtual_router_id 7\n priority 100\n virtual_ipaddress {\n  192.0.2.10\n }\n track_script {\n  chk\n  plain\n }\n}\n`);
    expect(r.problems).toEqual([]);
    expect(r.strict).toBe(0);
    expect(r.config.scripts.chk).toMatchObject({ command: ['/bin/true'], rise: 2, start_down: true });
    expect(r.config.scripts.plain.start_down).toBeUndefined();
  });

  it('skips what Keepalived skips as invalid (a bad number, address, peer, script or scheduler, an unknown word), keeping its defaults, with a warning', () => {
    const r = imported(`global_defs {
 garp_master_delay 3
}
vrrp_script chk {
 script /bin/true
 weight 300
 interval 2s
}
vrrp_instance A {
 interface eth0
 virtual_router_id 7
 priority 100,master
 advert_int one
 unicast_peer {
  XX.XX.XX.116
  192.0.2.3
 }
 virtual_ipaddress {
  X.X.X.222
  192.0.2.10/24
 }
 track_script {
  chk
  chk_missing
 }
}
virtual_server 192.0.2.10 80 {
 lb_algo loadbalance
 net_mask 255.255.255.0
 real_server 198.51.100.1 80 {
  TCP_CHECK {
   connetc_port 80
   delay_before_retry x
  }
 }
}
`);
    expect(r.problems).toEqual([]);
    expect(r.strict).toBe(0);
    const instance = r.config.instances[0];
    expect(instance).toMatchObject({ priority: 100, unicast_peers: ['192.0.2.3'], vips: ['192.0.2.10/24'], track_scripts: ['chk'] });
    expect(instance.advert_interval).toBeUndefined();
    expect(r.config.scripts.chk).toEqual({ command: ['/bin/true'] });
    expect(r.config.virtual_services[0].scheduler).toBeUndefined();
    expect(r.config.virtual_services[0].real_servers[0].check.retry_delay).toBe(1);
    expect(r.notes.filter((n) => n.includes(': warning: '))).toEqual([
      'k.conf:2: warning: global_defs > garp_master_delay: Keepalived does not know "garp_master_delay" here and skips it; so does this import',
      'k.conf:6: warning: vrrp_script chk > weight: Keepalived refuses "300" (it takes an integer from -253 to 253), skips the line and keeps its default; so does this import',
      'k.conf:7: warning: vrrp_script chk > interval: Keepalived refuses "2s" (it takes a number from 0 to 86400), skips the line and keeps its default; so does this import',
      'k.conf:12: warning: vrrp_instance A > priority: Keepalived refuses "100,master" (it takes an integer from 1 to 255), skips the line and keeps its default; so does this import',
      'k.conf:13: warning: vrrp_instance A > advert_int: Keepalived refuses "one" (it takes a number from 0.01 to 255), skips the line and keeps its default; so does this import',
      'k.conf:15: warning: vrrp_instance A > XX.XX.XX.116: Keepalived skips the malformed unicast peer "XX.XX.XX.116"; so does this import',
      'k.conf:19: warning: vrrp_instance A > X.X.X.222: Keepalived skips "X.X.X.222", which is not an address; so does this import',
      'k.conf:24: warning: vrrp_instance A > chk_missing: Keepalived ignores "chk_missing": no vrrp_script or vrrp_track_process has that name; so does this import',
      'k.conf:27: warning: virtual_server: no protocol: Keepalived makes the service UDP (it logs "no protocol set - defaulting to UDP"); so does this import; write `protocol TCP` if you meant TCP',
      'k.conf:28: warning: virtual_server 192.0.2.10 80 > lb_algo: Keepalived refuses the scheduler "loadbalance" and keeps wlc; so does this import',
      'k.conf:29: warning: virtual_server 192.0.2.10 80 > net_mask: Keepalived does not know "net_mask" here and skips it; so does this import',
      'k.conf:32: warning: virtual_server 192.0.2.10 80 > real_server 198.51.100.1 80 > TCP_CHECK > connetc_port: Keepalived does not know "connetc_port" here and skips it; so does this import',
      'k.conf:33: warning: virtual_server 192.0.2.10 80 > real_server 198.51.100.1 80 > TCP_CHECK > delay_before_retry: Keepalived refuses "x" (it takes a number from 0 to 2678400), skips the line and keeps its default; so does this import',
    ]);
  });

  it('skips template words where an address or a garp figure goes, and sync group members that are no instance', () => {
    const r = imported(`vrrp_sync_group G {
 group {
  A
  B_MISSING
 }
}
vrrp_instance A {
 interface eth0
 virtual_router_id 7
 mcast_src_ip <ip>
 garp_master_delay
 accept
 debug
}
virtual_server 192.0.2.10 80 {
 persistence_granularity <NETMASK>
 sorry_server SORRY_IP 80
 real_server 198.51.100.1 80 {
  TCP_CHECK {
   bindto <ip>
  }
 }
}
`);
    expect(r.problems).toEqual([]);
    expect(r.strict).toBe(0);
    expect(r.config.sync_groups).toEqual([{ name: 'G', instances: ['A'] }]);
    expect(r.config.instances[0].source_address).toBeUndefined();
    expect(r.config.garp).toBeUndefined();
    expect(r.config.virtual_services[0].persistence).toBeUndefined();
    expect(r.config.virtual_services[0].sorry_server).toBeUndefined();
    expect(r.config.virtual_services[0].real_servers[0].check.source_address).toBeUndefined();
    expect(r.notes.filter((n) => n.includes(': warning: ')).map((n) => n.replace(/: warning: .* > /, ': '))).toEqual([
      'k.conf:4: B_MISSING: Keepalived ignores "B_MISSING": no vrrp_instance has that name; so does this import',
      'k.conf:10: mcast_src_ip: Keepalived refuses "<ip>", which is not an address, and skips the line; so does this import',
      'k.conf:11: garp_master_delay: Keepalived refuses a missing number (it takes a number from 0 to 4294967), skips the line and keeps its default; so does this import',
      'k.conf:15: warning: virtual_server: no protocol: Keepalived makes the service UDP (it logs "no protocol set - defaulting to UDP"); so does this import; write `protocol TCP` if you meant TCP',
      'k.conf:16: persistence_granularity: Keepalived refuses the granularity "<NETMASK>" and skips the line; so does this import',
      'k.conf:17: sorry_server: Keepalived refuses "SORRY_IP", which is not an address, and skips the line; so does this import',
      'k.conf:20: bindto: Keepalived refuses "<ip>", which is not an address, and skips the line; so does this import',
    ]);
  });

  it('a virtual_server without its brace and a second lvs_sync_daemon: read on as Keepalived does', () => {
    // Keepalived's checker process logs "Missing '{'" and reads the lines after as the block
    // (run side by side on the real kernel: its table held the real server).
    const r = imported(`global_defs {\n lvs_sync_daemon eth0 A\n lvs_sync_daemon eth1 A\n}\nvirtual_server 192.0.2.10 80\n delay_loop 5\n real_server 198.51.100.1 80 {\n  weight 1\n }\n}\n`);
    expect(r.config.ipvs.sync_daemon.interface).toBe('eth0');
    expect(r.notes.filter((n) => n.includes(': warning: '))).toEqual([
      'k.conf:3: warning: lvs_sync_daemon: Keepalived keeps the first sync daemon setting (interface eth0) and ignores this one; so does this import',
      `k.conf:5: warning: virtual_server: its "{" is missing: Keepalived reads the lines after it as its block (and logs "Missing '{'"), so does this import; add the "{"`,
      'k.conf:5: warning: virtual_server: no protocol: Keepalived makes the service UDP (it logs "no protocol set - defaulting to UDP"); so does this import; write `protocol TCP` if you meant TCP',
    ]);
    expect(r.config.virtual_services[0]).toMatchObject({ address: '192.0.2.10', port: 80, real_servers: [{ address: '198.51.100.1', weight: 1 }] });
    expect(r.config.virtual_services[0].real_servers[0].check).toBeUndefined();
  });

  it('an instance without a valid virtual_router_id (a template not filled in) is refused, its line named', () => {
    const r = imported(`vrrp_instance A {\n interface eth0\n virtual_router_id VRID_1\n}\n`);
    expect(r.problems.length).toBeGreaterThan(0);
    expect(r.notes).toContain('k.conf:3: not translated: vrrp_instance A > virtual_router_id: "VRID_1" is not an integer from 1 to 255 (Keepalived drops the instance): fill it in');
  });

  it('tracks a process with pgrep, its weight per instance kept', () => {
    const r = imported(`vrrp_track_process chk_haproxy {
 process haproxy
 weight 10
 delay 2
}
vrrp_script chk_x {
 script /bin/true
}
vrrp_instance A {
 interface eth0
 virtual_router_id 1
 track_script {
  chk_x
 }
 track_process {
  chk_haproxy weight 20
 }
}
`);
    expect(r.problems).toEqual([]);
    expect(r.config.scripts.chk_haproxy).toEqual({ interval: 1, timeout: 2, weight: 10, command: ['pgrep', '-x', '--', 'haproxy'] });
    expect(r.config.instances[0].track_scripts).toEqual(['chk_x', { script: 'chk_haproxy', weight: 20 }]);
    expect(r.strict).toBe(0);
  });

  it('track_file becomes a tracked file: its weight (reverse negates it), init_file, the instances\' weights, and FILE_CHECK', () => {
    const r = imported(`track_file maint {
 file /run/keepalived/maint
 weight 5 reverse
 init_file 0 overwrite
}
vrrp_track_file capacity {
 file "/run/keepalived/capacity"
}
vrrp_instance A {
 interface eth0
 virtual_router_id 1
 track_file {
  maint
  capacity weight 2 reverse
  missing
 }
}
virtual_server 192.0.2.10 80 {
 delay_loop 6
 real_server 198.51.100.1 80 {
  weight 10
  FILE_CHECK {
   track_file capacity
   weight 3
  }
 }
}
`);
    expect(r.problems).toEqual([]);
    expect(r.config.files).toEqual({ maint: { path: '/run/keepalived/maint', weight: -5, init: 0, init_overwrite: true }, capacity: { path: '/run/keepalived/capacity' } });
    expect(r.config.instances[0].track_files).toEqual(['maint', { file: 'capacity', weight: -2 }]);
    expect(r.notes).toContain('k.conf:15: warning: vrrp_instance A > missing: Keepalived ignores "missing": no track_file has that name; so does this import');
    expect(r.config.virtual_services[0].real_servers[0].check).toEqual({ type: 'file', file: 'capacity', file_weight: 3, interval: 1, timeout: 1, fall: 1 });
    expect(r.strict).toBe(0);
  });

  it('use_vmac becomes a virtual MAC, its name kept; another MAC or a link group is not translated', () => {
    const vmac = (line: string) => imported(`vrrp_instance A {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  192.0.2.5\n }\n ${line}\n vmac_xmit_base\n}\n`);
    const bare = vmac('use_vmac');
    expect(bare.problems).toEqual([]);
    expect(bare.config.instances[0]).toMatchObject({ virtual_mac: true });
    expect(bare.config.instances[0].virtual_mac_interface).toBeUndefined();
    expect(bare.strict).toBe(0);
    expect(vmac('use_vmac vrrp51 netlink_notify_msg').config.instances[0]).toMatchObject({ virtual_mac: true, virtual_mac_interface: 'vrrp51' });
    expect(vmac('use_vmac name group').config.instances[0]).toMatchObject({ virtual_mac_interface: 'group' });
    const other = vmac('use_vmac vm1 02:00:00:00:00:01 group 3');
    expect(other.notes).toContain('k.conf:7: not translated: vrrp_instance A > use_vmac: the MAC address 02:00:00:00:00:01: tandem uses the VRRP one, 00:00:5e:00:01:VRID');
    expect(other.notes).toContain('k.conf:7: not translated: vrrp_instance A > use_vmac: the link group 3: tandem makes the virtual MAC in the default group');
  });

  it('virtual_routes, virtual_rules, static_routes, static_rules and static_ipaddress become routes, rules and static addresses', () => {
    const r = imported(`static_ipaddress {
 10.99.0.1/24 dev eth0 scope link broadcast +
 10.99.0.2/24 dev eth1
}
static_routes {
 src 10.99.0.1 to 10.98.0.0/24 via 10.99.0.254 dev eth0
 10.97.0.0/24 via 10.99.0.254 or 10.99.0.253
 10.96.0.0/24 dev eth1
 10.95.0.0/24 dev eth0 gw 10.99.0.254 or 10.99.0.253 or 10.99.0.252 table 7 no_track
 10.94.0.0/24 or 10.99.0.253
}
static_rules {
 from 10.99.0.0/24 table 1 preference 10
 to 10.99.0./24 table 1
}
vrrp_instance A {
 interface eth0
 virtual_router_id 51
 virtual_ipaddress {
  192.0.2.5
 }
 virtual_routes {
  0.0.0.0/0 gw 192.0.2.254 table 100 no_track
  blackhole 198.51.100.0/24
  198.51.100.0/24 dev eth1 track_group G
 }
 virtual_rules {
  from 192.0.2.5 table 100
 }
}
`);
    expect(r.problems).toEqual([]);
    expect(r.notes.filter((n) => n.startsWith('k.conf:2:'))).toEqual([]);
    expect(r.config.static_addresses).toEqual(['10.99.0.1/24 dev eth0 scope link brd +', '10.99.0.2/24 dev eth1']);
    // Without a gateway, Keepalived's route has scope global, where `ip route` would say link.
    expect(r.config.static_routes).toEqual([
      '10.98.0.0/24 via 10.99.0.254 dev eth0 src 10.99.0.1',
      // `or`: the route through two gateways, as ip route writes it; Keepalived keeps the first `or` only.
      '10.97.0.0/24 nexthop via 10.99.0.254 nexthop via 10.99.0.253',
      '10.96.0.0/24 dev eth1 scope global',
      '10.95.0.0/24 dev eth0 table 7 nexthop via 10.99.0.254 nexthop via 10.99.0.253',
    ]);
    expect(r.config.static_rules).toEqual(['from 10.99.0.0/24 table 1 priority 10']);
    expect(r.config.instances[0].routes).toEqual(['0.0.0.0/0 via 192.0.2.254 table 100', 'blackhole 198.51.100.0/24']);
    expect(r.config.instances[0].rules).toEqual(['from 192.0.2.5 table 100']);
    expect(r.notes).toEqual(
      expect.arrayContaining([
        'k.conf:9: warning: static_routes > 10.95.0.0/24: only the first `or` kept, as Keepalived does',
        'k.conf:9: note: static_routes > 10.95.0.0/24: no_track dropped: tandem does not watch its routes and rules for deletion',
        'k.conf:10: not translated: static_routes > 10.94.0.0/24: a route through several gateways (`or`) without a `via` before it',
        'k.conf:14: warning: static_rules > to: Keepalived refuses the address "10.99.0./24" and skips the rule; so does this import',
        'k.conf:23: note: vrrp_instance A > virtual_routes > 0.0.0.0/0: no_track dropped: tandem does not watch its routes and rules for deletion',
        'k.conf:25: not translated: vrrp_instance A > virtual_routes > 198.51.100.0/24: track_group (the route held while a group of interfaces is up)',
      ]),
    );
  });

  it('a VIP on another device keeps its dev (and no_track); on the instance\'s own, dev goes; with use_vmac, the difference is named', () => {
    const conf = (extra: string) =>
      imported(`vrrp_instance A {
 interface eth0
 virtual_router_id 51
 ${extra}
 virtual_ipaddress {
  192.0.2.5/24 dev eth0
  203.0.113.5/24 dev eth1
  203.0.113.6 dev eth1 no_track
  203.0.113.6/32 dev eth2
 }
}
`);
    const plain = conf('');
    expect(plain.problems).toEqual([]);
    expect(plain.config.instances[0].vips).toEqual(['192.0.2.5/24', '203.0.113.5/24 dev eth1', '203.0.113.6 dev eth1 no_track']);
    expect(plain.notes).toContain('k.conf:9: note: vrrp_instance A > 203.0.113.6/32: 203.0.113.6/32 is listed twice; kept once');
    expect(plain.strict).toBe(0);
    const vmac = conf('use_vmac');
    expect(vmac.config.instances[0].vips).toEqual(['192.0.2.5/24', '203.0.113.5/24 dev eth1', '203.0.113.6 dev eth1 no_track']);
    expect(vmac.notes).toContain('k.conf:7: differs: vrrp_instance A > 203.0.113.5/24: the VIP goes on eth1 itself: Keepalived would give it a virtual MAC of its own there');
  });

  it('takes no tracking weights from a sync group member or an address owner, as Keepalived (keepalived -t: "ignoring ... due to SYNC group")', () => {
    const text = `vrrp_script chk_a {
  script "/bin/true"
  weight -20
}
vrrp_script chk_b {
  script "/bin/true"
}
track_file f1 {
  file /tmp/f1
}
track_file f2 {
  file /tmp/f2
  weight 5
}
vrrp_sync_group G {
  group {
    A
    B
  }
}
vrrp_instance A {
  interface eth0
  virtual_router_id 1
  priority 100
  track_interface {
    eth1 weight -10
  }
  track_script {
    chk_a
    chk_b
    chk_b2
  }
  track_file {
    f1
    f2
  }
  virtual_ipaddress {
    192.0.2.1
  }
}
vrrp_instance B {
  interface eth0
  virtual_router_id 2
  priority 100
  track_script {
    chk_b weight 10
  }
  virtual_ipaddress {
    192.0.2.2
  }
}
vrrp_instance C {
  interface eth0
  virtual_router_id 3
  priority 255
  track_interface {
    eth1 weight -10
  }
  track_script {
    chk_a
  }
  virtual_ipaddress {
    192.0.2.3
  }
}
`;
    const r = imported(text);
    const [a, b, c] = r.config.instances;
    expect(a).toMatchObject({ track_interfaces: ['eth1'], track_scripts: ['chk_b'], track_files: [{ file: 'f1', weight: 0 }] });
    expect(b.track_scripts).toBeUndefined();
    expect(c.track_interfaces).toBeUndefined();
    expect(c.track_scripts).toBeUndefined();
    // The lines keepalived -t logs "ignoring" for (26, 29, 34, 35, 46 for the group, 57 and 60 for the owner).
    expect(r.notes.filter((n) => n.includes(' due to ')).map((n) => Number(n.split(':')[1]))).toEqual([26, 29, 34, 35, 46, 57, 60]);
    // With sync_group_tracking_weight, the members keep their weights (tandem's sync groups take them).
    const weighted = imported(text.replace('vrrp_sync_group G {', 'vrrp_sync_group G {\n  sync_group_tracking_weight'));
    expect(weighted.config.instances[0].track_interfaces).toEqual([{ interface: 'eth1', weight: -10 }]);
    expect(weighted.config.instances[0].track_scripts).toEqual(['chk_a', 'chk_b']);
    expect(weighted.config.instances[1].track_scripts).toEqual([{ script: 'chk_b', weight: 10 }]);
  });

  it('ops: one-packet scheduling on a UDP or firewall-mark service; on TCP, cleared as Keepalived clears it', () => {
    const r = imported(`virtual_server 192.0.2.53 53 {\n protocol UDP\n ops\n real_server 10.0.0.1 53 {\n }\n}\nvirtual_server fwmark 9 {\n ops\n real_server 10.0.0.1 0 {\n }\n}\nvirtual_server 192.0.2.80 80 {\n protocol TCP\n ops\n real_server 10.0.0.1 80 {\n }\n}\n`);
    expect(r.problems).toEqual([]);
    expect(r.config.virtual_services.map((vs: { one_packet?: boolean }) => vs.one_packet)).toEqual([true, true, undefined]);
    expect(r.notes).toContain('k.conf:14: warning: virtual_server 192.0.2.80 80 > ops: Keepalived clears ops on a TCP service (it logs "one packet scheduling requires UDP - resetting"); so does this import');
    expect(r.strict).toBe(0);
  });

  it('a MISC_CHECK with misc_timeout 0 may run for the delay_loop, as in Keepalived', () => {
    const r = imported(`virtual_server 192.0.2.1 80 {\n protocol TCP\n delay_loop 7\n real_server 10.0.0.1 80 {\n  MISC_CHECK {\n   misc_path /bin/true\n   misc_timeout 0\n  }\n }\n}\n`);
    expect(r.problems).toEqual([]);
    expect(r.config.virtual_services[0].check ?? r.config.virtual_services[0].real_servers[0].check).toMatchObject({ type: 'script', interval: 7, timeout: 7 });
  });

  it('drops an HTTP_GET without a url, as Keepalived does ("checker has no urls specified - ignoring")', () => {
    const r = imported(`virtual_server 192.0.2.1 80 {\n protocol TCP\n real_server 10.0.0.1 80 {\n  HTTP_GET {\n   connect_timeout 3\n  }\n }\n}\n`);
    expect(r.problems).toEqual([]);
    expect(r.config.virtual_services[0].real_servers[0].check).toBeUndefined();
    expect(r.notes.some((n: string) => n.startsWith('k.conf:4: warning:') && n.includes('no urls specified'))).toBe(true);
  });

  it('removes a vrrp_script without a script, and its references, as Keepalived does ("No script set ... - removing")', () => {
    const r = imported(`vrrp_script chk {\n interval 1\n}\nvrrp_instance A {\n interface eth0\n virtual_router_id 1\n priority 100\n track_script {\n  chk\n }\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n`);
    expect(r.problems).toEqual([]);
    expect(r.config.scripts).toBeUndefined();
    expect(r.config.instances[0].track_scripts).toBeUndefined();
    expect(r.notes).toContain('k.conf:1: warning: vrrp_script: chk has no script: Keepalived removes it (it logs "No script set for vrrp_script chk - removing"); so does this import');
    expect(r.notes).toContain('k.conf:9: warning: vrrp_instance A > chk: Keepalived ignores "chk": no vrrp_script or vrrp_track_process has that name; so does this import');
  });

  it("a sync group's own tracking is every member's, with its weights (cleared when a member is the owner), as Keepalived", () => {
    const text = `global_defs {
  script_user root
}
vrrp_script chk {
  script "/bin/true"
  weight -10
}
vrrp_sync_group G {
  group {
    A
    B
  }
  track_script {
    chk
  }
  track_interface {
    eth1 weight -5
  }
}
vrrp_instance A {
  interface eth0
  virtual_router_id 1
  priority 255
  virtual_ipaddress {
    192.0.2.1
  }
}
vrrp_instance B {
  interface eth0
  virtual_router_id 2
  priority 100
  virtual_ipaddress {
    192.0.2.2
  }
}
`;
    const owned = imported(text);
    expect(owned.problems).toEqual([]);
    for (const inst of owned.config.instances) expect(inst).toMatchObject({ track_interfaces: ['eth1'], track_scripts: [{ script: 'chk', weight: 0 }] });
    expect(owned.notes.filter((n: string) => n.includes('with member having priority 255')).map((n: string) => Number(n.split(':')[1]))).toEqual([14, 17]);
    expect(owned.config.sync_groups).toEqual([{ name: 'G', instances: ['A', 'B'] }]);
    const plain = imported(text.replace('priority 255', 'priority 150'));
    expect(plain.config.instances[1]).toMatchObject({ track_interfaces: [{ interface: 'eth1', weight: -5 }], track_scripts: ['chk'] });
    expect(plain.strict).toBe(0);
  });
});

import type { KStatement } from './parse.js';
import { splitCommand } from './parse.js';
import { isChecker, takeTimer, translateChecker } from './checks.js';

/*
 * keepalived.conf tree -> a tandem config object. Every statement is either translated, or
 * reported with its line: as a note (translated with a difference worth knowing) or as
 * untranslated (tandem has no equivalent yet). Nothing is dropped silently.
 */

export interface ImportNote {
  line: number;
  /** The included file the statement is in; the main file when unset. */
  file?: string;
  /** Where, e.g. `vrrp_instance VI_1 > authentication`. */
  where: string;
  message: string;
  kind: 'note' | 'untranslated';
}

export interface ImportResult {
  config: Record<string, unknown>;
  notes: ImportNote[];
}

type Obj = Record<string, unknown>;

const GARP_KEYS: Record<string, string> = {
  garp_master_repeat: 'repeat',
  garp_master_delay: 'delay',
  garp_master_refresh: 'refresh',
  garp_master_refresh_repeat: 'refresh_repeat',
};

const VERSION_NOTE = 'dropped: tandem speaks its own authenticated protocol over UDP; both directors must run tandem';

const NOTIFY_KEYS: Record<string, string> = {
  notify_master: 'master',
  notify_backup: 'backup',
  notify_fault: 'fault',
  notify_stop: 'stop',
  notify: 'any',
};

class Translator {
  readonly notes: ImportNote[] = [];
  readonly garp: Obj = {};
  readonly scripts: Obj = {};
  readonly instances: Obj[] = [];
  readonly groups: Obj[] = [];
  readonly services: Obj[] = [];
  readonly ipvs: Obj = {};
  authenticated = false;
  unauthenticated = false;

  note(s: KStatement, where: string, message: string, kind: ImportNote['kind'] = 'note'): void {
    this.notes.push({ line: s.line, file: s.file, where: where ? `${where} > ${s.keyword}` : s.keyword, message, kind });
  }

  untranslated(s: KStatement, where: string, why = 'tandem has no equivalent'): void {
    this.note(s, where, `not translated: ${why}`, 'untranslated');
  }

  top(statements: KStatement[]): void {
    for (const s of statements) {
      switch (s.keyword) {
        case 'global_defs':
          this.globalDefs(s);
          break;
        case 'vrrp_script':
          this.script(s);
          break;
        case 'vrrp_instance':
          this.instance(s);
          break;
        case 'vrrp_sync_group':
          this.syncGroup(s);
          break;
        case 'virtual_server':
          this.virtualServer(s);
          break;
        case 'virtual_server_group':
          this.untranslated(s, '', 'virtual server groups: declare each service in virtual_services');
          break;
        default:
          this.untranslated(s, '');
      }
    }
  }

  globalDefs(block: KStatement): void {
    for (const s of block.children ?? []) {
      const garpKey = GARP_KEYS[s.keyword.replace(/^vrrp_/, '')];
      if (garpKey && s.keyword.startsWith('vrrp_')) {
        this.garp[garpKey] = numberArg(s);
      } else if (s.keyword === 'vrrp_version') {
        this.note(s, 'global_defs', VERSION_NOTE);
      } else if (s.keyword === 'lvs_sync_daemon') {
        // lvs_sync_daemon INTERFACE INSTANCE [id N] [maxlen N] ...
        const [iface, instance, ...rest] = s.args;
        const sync: Obj = { interface: iface };
        const valueOf = (key: string) => (rest.includes(key) ? Number(rest[rest.indexOf(key) + 1]) : undefined);
        if (valueOf('id') !== undefined) sync.sync_id = valueOf('id');
        if (valueOf('maxlen') !== undefined) sync.max_message_bytes = valueOf('maxlen');
        const other = rest.filter((a, i) => !['id', 'maxlen'].includes(a) && !['id', 'maxlen'].includes(rest[i - 1] as string));
        if (other.length) this.note(s, 'global_defs', `options dropped: ${other.join(' ')} (tandem uses ipvsadm's defaults)`);
        this.note(s, 'global_defs', `instance ${instance} dropped: tandem runs the sync daemon as master and backup on both directors, whatever the VRRP state`);
        this.ipvs.sync_daemon = sync;
      } else if (s.keyword === 'lvs_timeouts') {
        const t: Obj = { tcp: 0, tcpfin: 0, udp: 0 };
        for (let i = 0; i + 1 < s.args.length; i += 2) t[s.args[i] as string] = Number(s.args[i + 1]);
        this.ipvs.timeouts = t;
      } else if (s.keyword === 'router_id') {
        this.note(s, 'global_defs', 'not needed: tandem names itself by its address');
      } else {
        this.untranslated(s, 'global_defs');
      }
    }
  }

  script(block: KStatement): void {
    const name = block.args[0] ?? 'unnamed';
    const where = `vrrp_script ${name}`;
    const out: Obj = {};
    for (const s of block.children ?? []) {
      switch (s.keyword) {
        case 'script':
          out.command = splitCommand(s.args.join(' '));
          break;
        case 'interval':
        case 'timeout':
        case 'weight':
        case 'rise':
        case 'fall':
          out[s.keyword] = numberArg(s);
          break;
        default:
          this.untranslated(s, where);
      }
    }
    this.scripts[name] = out;
  }

  instance(block: KStatement): void {
    const name = block.args[0] ?? 'unnamed';
    const where = `vrrp_instance ${name}`;
    const out: Obj = { name };
    const notify: Obj = {};
    let authSeen = false;
    for (const s of block.children ?? []) {
      switch (s.keyword) {
        case 'interface':
          out.interface = s.args[0];
          break;
        case 'virtual_router_id':
          out.vrid = numberArg(s);
          break;
        case 'priority':
          out.priority = numberArg(s);
          break;
        case 'advert_int':
          out.advert_interval = numberArg(s);
          break;
        case 'nopreempt':
          out.preempt = false;
          break;
        case 'preempt':
          out.preempt = true;
          break;
        case 'preempt_delay':
          out.preempt_delay = numberArg(s);
          break;
        case 'unicast_src_ip':
          out.source_address = s.args[0];
          break;
        case 'unicast_peer':
          out.unicast_peers = (s.children ?? []).map((p) => p.keyword);
          break;
        case 'virtual_ipaddress':
          out.vips = this.vips(s, where, out.interface as string | undefined);
          break;
        case 'track_interface':
          out.track_interfaces = (s.children ?? []).map((t) => {
            const weight = t.args[0] === 'weight' ? Number(t.args[1]) : undefined;
            return weight === undefined ? t.keyword : { interface: t.keyword, weight };
          });
          break;
        case 'track_script':
          out.track_scripts = (s.children ?? []).map((t) => {
            if (t.args[0] === 'weight') this.note(t, where, `the weight here (${t.args[1]}) overrides the script's in Keepalived; tandem uses the script's own weight: set it there`);
            return t.keyword;
          });
          break;
        case 'state':
          this.note(s, where, `initial state ${s.args[0]} dropped: tandem elects by priority (set the master's priority higher)`);
          break;
        case 'version':
          this.note(s, where, VERSION_NOTE);
          break;
        case 'authentication':
          authSeen = true;
          this.authenticated = true;
          this.note(s, where, "Keepalived's auth_pass is not carried over: put a shared key of 16+ bytes in /etc/tandem/key on both directors");
          break;
        default:
          if (s.keyword in NOTIFY_KEYS) {
            notify[NOTIFY_KEYS[s.keyword] as string] = splitCommand(s.args.join(' '));
          } else if (s.keyword in GARP_KEYS) {
            this.instanceGarp(s, where);
          } else {
            this.untranslated(s, where);
          }
      }
    }
    if (!authSeen) this.unauthenticated = true;
    if (Object.keys(notify).length) out.notify = notify;
    this.instances.push(out);
  }

  /** tandem's garp settings are global: the first instance's value wins, a different one is noted. */
  instanceGarp(s: KStatement, where: string): void {
    const key = GARP_KEYS[s.keyword] as string;
    const value = numberArg(s);
    if (this.garp[key] === undefined) this.garp[key] = value;
    else if (this.garp[key] !== value) this.note(s, where, `tandem's garp.${key} is one value for all instances; keeping ${String(this.garp[key])}`);
  }

  vips(block: KStatement, where: string, iface: string | undefined): string[] {
    const out: string[] = [];
    for (const v of block.children ?? []) {
      const dev = v.args.indexOf('dev');
      if (dev >= 0 && iface !== undefined && v.args[dev + 1] !== iface) {
        this.untranslated(v, where, `a VIP on another device (${v.args[dev + 1]}) than the instance's (${iface})`);
        continue;
      }
      const extra = v.args.filter((a, i) => !(a === 'dev' || (i > 0 && v.args[i - 1] === 'dev')));
      if (extra.length) this.note(v, where, `options dropped: ${extra.join(' ')}`);
      out.push(v.keyword);
    }
    return out;
  }

  virtualServer(block: KStatement): void {
    const where = `virtual_server ${block.args.join(' ')}`;
    const out: Obj = {};
    if (block.args[0] === 'fwmark') {
      out.protocol = 'fwmark';
      out.fwmark = Number(block.args[1]);
    } else if (block.args[0] === 'group') {
      this.untranslated(block, '', 'virtual server groups: declare each service in virtual_services');
      return;
    } else {
      out.protocol = 'tcp';
      out.address = block.args[0];
      out.port = Number(block.args[1]);
    }
    const flags: string[] = [];
    const servers: KStatement[] = [];
    const timers: Obj = {};
    const shared: Obj = {};
    let method = 'nat';
    for (const s of block.children ?? []) {
      if (takeTimer(s, timers)) continue;
      switch (s.keyword) {
        case 'lb_algo':
        case 'lvs_sched':
          out.scheduler = s.args[0];
          break;
        case 'lb_kind':
        case 'lvs_method':
          method = ({ NAT: 'nat', DR: 'dr', TUN: 'tun' } as Record<string, string>)[(s.args[0] ?? '').toUpperCase()] ?? 'nat';
          break;
        case 'protocol':
          if (out.protocol !== 'fwmark') out.protocol = (s.args[0] ?? 'TCP').toLowerCase();
          break;
        case 'persistence_timeout':
          out.persistence = { ...(out.persistence as Obj | undefined), timeout: numberArg(s) };
          break;
        case 'persistence_granularity':
          out.persistence = { timeout: 360, ...(out.persistence as Obj | undefined), netmask: s.args[0] };
          break;
        case 'sh-port':
        case 'sh-fallback':
        case 'mh-port':
        case 'mh-fallback':
          flags.push(s.keyword);
          break;
        case 'sorry_server':
          out.sorry_server = { address: s.args[0], port: Number(s.args[1] ?? 0) };
          break;
        case 'real_server':
          servers.push(s);
          break;
        case 'quorum':
          out.quorum = numberArg(s);
          break;
        case 'hysteresis':
          out.quorum_hysteresis = numberArg(s);
          break;
        case 'alpha':
          shared.initially = 'down';
          break;
        case 'inhibit_on_failure':
          out.inhibit_on_failure = true;
          break;
        case 'virtualhost':
          shared.host = s.args[0];
          break;
        default:
          this.untranslated(s, where);
      }
    }
    if (flags.length) out.scheduler_flags = flags;
    // The forwarding method is the service's in Keepalived, each real server's in tandem.
    out.real_servers = servers.map((s) => ({ ...this.realServer(s, where, timers, shared), method }));
    hoistCommonCheck(out);
    if (out.sorry_server) out.sorry_server = { ...(out.sorry_server as Obj), method };
    this.services.push(out);
  }

  /** A real server and its check; `inherited` timers and `shared` check options come from its service. */
  realServer(block: KStatement, where: string, inherited: Obj, shared: Obj): Obj {
    const out: Obj = { address: block.args[0], port: Number(block.args[1] ?? 0) };
    const here = `${where} > real_server ${block.args.join(' ')}`;
    const timers: Obj = { ...inherited };
    const own: Obj = { ...shared };
    let check: Obj | undefined;
    for (const s of block.children ?? []) {
      if (takeTimer(s, timers)) continue;
      if (s.keyword === 'weight') out.weight = numberArg(s);
      else if (s.keyword === 'uthreshold') out.upper_threshold = numberArg(s);
      else if (s.keyword === 'lthreshold') out.lower_threshold = numberArg(s);
      else if (s.keyword === 'inhibit_on_failure') out.inhibit_on_failure = true;
      else if (s.keyword === 'alpha') own.initially = 'down';
      else if (isChecker(s.keyword) && check) this.untranslated(s, here, 'tandem runs one check per real server: the first is kept');
      else if (isChecker(s.keyword)) check = translateChecker(s, timers, here, this);
      else this.untranslated(s, here);
    }
    if (check) {
      const { host, initially } = own;
      const type = check.type as string;
      out.check = { ...check, ...(initially ? { initially } : {}), ...(host && !check.host && (type === 'http' || type === 'https') ? { host } : {}) };
    }
    return out;
  }

  syncGroup(block: KStatement): void {
    const name = block.args[0] ?? 'unnamed';
    const where = `vrrp_sync_group ${name}`;
    const out: Obj = { name };
    const notify: Obj = {};
    for (const s of block.children ?? []) {
      const hook = NOTIFY_KEYS[s.keyword];
      if (s.keyword === 'group') out.instances = (s.children ?? []).map((m) => m.keyword);
      else if (hook && hook !== 'stop') notify[hook] = splitCommand(s.args.join(' '));
      else this.untranslated(s, where);
    }
    if (Object.keys(notify).length) out.notify = notify;
    this.groups.push(out);
  }
}

/** When every real server of a service has the same check, it becomes the service's check. */
function hoistCommonCheck(service: Obj): void {
  const servers = service.real_servers as Obj[];
  const checks = servers.map((r) => JSON.stringify(r.check));
  if (servers.length < 2 || checks[0] === undefined || checks.some((c) => c !== checks[0] || c === undefined)) return;
  service.check = servers[0]?.check;
  for (const r of servers) delete r.check;
}

function numberArg(s: KStatement): number {
  return Number(s.args[0]);
}

export function translateKeepalived(statements: KStatement[]): ImportResult {
  const t = new Translator();
  t.top(statements);
  const config: Obj = {};
  if (t.authenticated) {
    config.auth = { key_file: '/etc/tandem/key' };
    if (t.unauthenticated) {
      t.notes.push({ line: 0, where: 'authentication', message: 'some instances had authentication and some not: tandem authenticates all with one key', kind: 'note' });
    }
  } else {
    config.auth = 'none';
    t.notes.push({ line: 0, where: 'authentication', message: 'no instance had authentication: imported as `auth: none`; set auth.key_file to protect the VIPs', kind: 'note' });
  }
  if (Object.keys(t.garp).length) config.garp = t.garp;
  if (Object.keys(t.scripts).length) config.scripts = t.scripts;
  config.instances = t.instances;
  if (t.groups.length) config.sync_groups = t.groups;
  if (Object.keys(t.ipvs).length) config.ipvs = t.ipvs;
  if (t.services.length) config.virtual_services = t.services;
  return { config, notes: t.notes };
}

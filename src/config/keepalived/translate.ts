import type { KStatement } from './parse.js';
import { splitCommand } from './parse.js';
import type { ImportNote, Obj, Reporter } from './report.js';
import { boolArg, numberArg } from './report.js';
import { LvsTranslator } from './translate-lvs.js';

/*
 * keepalived.conf tree -> a tandem config object. Every statement is translated, or reported
 * with its line: a note (translated; worth knowing), a warning (translated as Keepalived runs
 * it, though the original looks like a mistake), a difference (translated, but tandem will
 * behave otherwise), or untranslated (tandem has no equivalent). Nothing is dropped silently;
 * `--strict` fails on differences and untranslated statements only.
 */

export type { ImportNote } from './report.js';

export interface ImportResult {
  config: Record<string, unknown>;
  notes: ImportNote[];
}

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

/** global_defs keywords that change nothing a tandem director does, with the reason. */
const GLOBAL_NOTES: Record<string, string> = {
  router_id: 'not needed: tandem names itself by its address',
  lvs_id: 'not needed: tandem names itself by its address',
  vrrp_skip_check_adv_addr: 'not needed: tandem adverts carry no address list to check',
  vrrp_check_unicast_src: 'not needed: tandem authenticates every advert (HMAC) and drops unknown sources',
  checker_log_all_failures: 'not needed: tandem logs each failed check at debug level and each state change at info',
  log_detail: 'not needed: tandem logs structured JSON',
  max_auto_priority: 'not needed: tandem runs its VRRP timers on their own event loop turn',
  dynamic_interfaces: 'not needed: tandem follows interfaces that come and go',
  vrrp_priority: 'not needed: tandem does not change its process priority',
  checker_priority: 'not needed: tandem does not change its process priority',
  bfd_priority: 'not needed: tandem does not change its process priority',
  vrrp_no_swap: 'not needed',
  checker_no_swap: 'not needed',
  enable_traps: 'not needed: tandem exports Prometheus metrics instead of SNMP traps',
  enable_script_security: 'tandem runs every command by its argument list, never through a shell',
  vrrp_version: VERSION_NOTE,
};

/** global_defs keywords tandem has no equivalent for, and what the difference is. */
const GLOBAL_DIFFERENCES: Record<string, string> = {
  vrrp_strict: 'vrrp_strict also drops all traffic to the VIPs with iptables and refuses unicast and authentication; tandem does none of this',
  vrrp_iptables: 'tandem adds no iptables rules for the VIPs',
  vrrp_ipsets: 'tandem adds no ipsets for the VIPs',
  nftables: 'tandem adds no nftables rules for the VIPs',
};

/** Sync group keywords tandem does not translate (so a bare one is not taken for a member). */
const KNOWN_GROUP_KEYWORDS: Record<string, true> = { global_tracking: true, sync_group_tracking_weight: true, track_interface: true, track_script: true, track_file: true, track_process: true, track_bfd: true };

class Translator implements Reporter {
  readonly notes: ImportNote[] = [];
  readonly garp: Obj = {};
  readonly scripts: Obj = {};
  readonly instances: Obj[] = [];
  readonly groups: Obj[] = [];
  readonly ipvs: Obj = {};
  readonly smtp: Obj = {};
  readonly lvs = new LvsTranslator(this);
  /** Global smtp_alert defaults: undefined means unset, as Keepalived's -1. */
  alertAll?: boolean;
  alertVrrp?: boolean;
  alertChecker?: boolean;
  scriptUser?: string;
  scriptUserAt?: KStatement;
  defaultInterface?: string;
  authenticated = false;
  unauthenticated = false;
  /** The first smtp_alert seen, for the note when alerts cannot be sent. */
  firstAlert?: KStatement;

  note(s: KStatement, where: string, message: string, kind: ImportNote['kind'] = 'note'): void {
    this.notes.push({ line: s.line, file: s.file, where: where ? `${where} > ${s.keyword}` : s.keyword, message, kind });
  }

  differs(s: KStatement, where: string, message: string): void {
    this.note(s, where, message, 'differs');
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
        case 'vrrp_track_process':
          this.trackProcess(s);
          break;
        case 'vrrp_instance':
          this.instance(s);
          break;
        case 'vrrp_sync_group':
          this.syncGroup(s);
          break;
        case 'virtual_server':
          this.lvs.virtualServer(s);
          break;
        case 'virtual_server_group':
          this.lvs.group(s);
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
      } else if (s.keyword in GLOBAL_NOTES) {
        this.note(s, 'global_defs', GLOBAL_NOTES[s.keyword] as string);
      } else if (s.keyword in GLOBAL_DIFFERENCES) {
        this.differs(s, 'global_defs', GLOBAL_DIFFERENCES[s.keyword] as string);
      } else {
        this.globalSetting(s);
      }
    }
  }

  private globalSetting(s: KStatement): void {
    switch (s.keyword) {
      case 'lvs_sync_daemon':
        this.lvs.syncDaemon(s, this.ipvs);
        return;
      case 'lvs_timeouts': {
        const t: Obj = { tcp: 0, tcpfin: 0, udp: 0 };
        for (let i = 0; i + 1 < s.args.length; i += 2) t[s.args[i] as string] = Number(s.args[i + 1]);
        this.ipvs.timeouts = t;
        return;
      }
      case 'notification_email':
        this.smtp.to = [...((this.smtp.to as string[] | undefined) ?? []), ...(s.children ?? []).map((c) => c.keyword), ...s.args];
        return;
      case 'notification_email_from':
        this.smtp.from = s.args[0];
        return;
      case 'smtp_server':
        this.smtp.server = s.args[0];
        if (s.args[1] !== undefined) this.smtp.port = Number(s.args[1]);
        return;
      case 'smtp_helo_name':
        this.smtp.helo = s.args[0];
        return;
      case 'smtp_connect_timeout':
        this.smtp.connect_timeout = numberArg(s);
        return;
      case 'smtp_alert':
        this.alertAll = boolArg(s);
        this.firstAlert ??= s;
        return;
      case 'smtp_alert_vrrp':
        this.alertVrrp = boolArg(s);
        return;
      case 'smtp_alert_checker':
        this.alertChecker = boolArg(s);
        return;
      case 'script_user':
        this.scriptUser = s.args[0];
        this.scriptUserAt = s;
        if (s.args[1] !== undefined) this.note(s, 'global_defs', `group ${s.args[1]} dropped: tandem runs scripts with the user's own group`);
        return;
      case 'default_interface':
        this.defaultInterface = s.args[0];
        return;
      case 'vrrp_garp_interval':
      case 'vrrp_gna_interval':
        this.garpInterval(s);
        return;
      default:
        this.untranslated(s, 'global_defs');
    }
  }

  /** Keepalived's pause between gratuitous ARPs (or NAs) on one interface, in seconds. */
  private garpInterval(s: KStatement): void {
    const seconds = numberArg(s);
    if (seconds === 0) return; // Keepalived's default: no pause.
    const previous = this.garp.interval as number | undefined;
    if (previous !== undefined && previous !== seconds) this.note(s, 'global_defs', `tandem has one garp.interval for ARP and NA; keeping ${previous}`);
    else this.garp.interval = seconds;
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
        case 'rise':
        case 'fall':
          out[s.keyword] = numberArg(s);
          break;
        case 'weight':
          out.weight = numberArg(s);
          if (s.args[1] === 'reverse') this.untranslated(s, where, 'a reversed weight (added while the script fails)');
          break;
        case 'user':
          out.user = s.args[0];
          break;
        case 'init_fail':
          this.differs(s, where, 'tandem starts every script as up until it has failed `fall` times');
          break;
        default:
          this.untranslated(s, where);
      }
    }
    if (out.user === undefined && this.scriptUser) out.user = this.scriptUser;
    this.scripts[name] = out;
  }

  /**
   * vrrp_track_process NAME { process PROC; quorum N; weight W }: a tracking script that counts
   * the processes named PROC (`pgrep -x`, every second). Keepalived hears of process starts and
   * exits from the kernel at once; tandem sees them within a second.
   */
  trackProcess(block: KStatement): void {
    const name = block.args[0] ?? 'unnamed';
    const where = `vrrp_track_process ${name}`;
    const out: Obj = { interval: 1, timeout: 2 };
    let proc: string | undefined;
    let quorum = 1;
    for (const s of block.children ?? []) {
      switch (s.keyword) {
        case 'process':
          proc = s.args[0];
          if (s.args.length > 1) this.untranslated(s, where, 'process parameters: tandem matches the process name only');
          if (proc && proc.length > 15) this.untranslated(s, where, `a process name longer than the kernel's 15-character comm (${proc})`);
          break;
        case 'quorum':
          quorum = numberArg(s);
          break;
        case 'weight':
          out.weight = numberArg(s);
          if (s.args[1] === 'reverse') this.untranslated(s, where, 'a reversed weight (added while the processes run)');
          break;
        case 'delay':
        case 'fork_delay':
        case 'terminate_delay':
          this.note(s, where, 'tandem polls the processes every second; this delay is not needed');
          break;
        default:
          this.untranslated(s, where);
      }
    }
    if (!proc) {
      this.untranslated(block, '', 'no `process` to track');
      return;
    }
    if (quorum !== 1) this.untranslated(block, '', `a quorum of ${quorum} processes: tandem tracks one or more`);
    out.command = ['pgrep', '-x', '--', proc];
    this.note(block, '', `tracked with \`pgrep -x ${proc}\` every second (Keepalived hears of the process at once)`);
    this.scripts[name] = out;
  }

  instance(block: KStatement): void {
    const name = block.args[0] ?? 'unnamed';
    const where = `vrrp_instance ${name}`;
    const out: Obj = { name };
    const notify: Obj = {};
    const vips: KStatement[] = [];
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
        case 'mcast_src_ip':
          out.source_address = s.args[0];
          break;
        case 'unicast_peer':
          out.unicast_peers = (s.children ?? []).map((p) => {
            if (p.args.length) this.note(p, where, `options dropped: ${p.args.join(' ')} (tandem checks the peer's advert by its key)`);
            return p.keyword;
          });
          break;
        case 'virtual_ipaddress':
        case 'virtual_ipaddress_excluded':
          vips.push(s);
          break;
        case 'track_interface':
          out.track_interfaces = (s.children ?? []).map((t) => {
            const weight = t.args[0] === 'weight' ? Number(t.args[1]) : undefined;
            if (t.args[2] === 'reverse') this.untranslated(t, where, 'a reversed weight (added while the interface is down)');
            return weight === undefined ? t.keyword : { interface: t.keyword, weight };
          });
          break;
        case 'track_script':
          out.track_scripts = [...((out.track_scripts as unknown[] | undefined) ?? []), ...(s.children ?? []).map((t) => {
            if (t.args[0] !== 'weight') return t.keyword;
            if (t.args[2] === 'reverse') this.untranslated(t, where, 'a reversed weight (added while the script fails)');
            return { script: t.keyword, weight: Number(t.args[1]) };
          })];
          break;
        case 'track_process':
          out.track_scripts = [
            ...((out.track_scripts as unknown[] | undefined) ?? []),
            ...(s.children ?? []).map((t) => (t.args[0] === 'weight' ? { script: t.keyword, weight: Number(t.args[1]) } : t.keyword)),
          ];
          break;
        case 'dont_track_primary':
          out.track_own_interface = false;
          break;
        case 'smtp_alert':
          out.alert = boolArg(s);
          this.firstAlert ??= s;
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
        case 'lvs_sync_daemon_interface':
          this.lvs.syncDaemon({ ...s, args: [s.args[0] ?? '', name] }, this.ipvs);
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
    if (out.interface === undefined && this.defaultInterface) out.interface = this.defaultInterface;
    if (out.priority === undefined) out.priority = 100; // Keepalived's default
    const list = vips.flatMap((s) => this.vips(s, where, out.interface as string | undefined));
    if (list.length) out.vips = list;
    if (!authSeen) this.unauthenticated = true;
    if (Object.keys(notify).length) out.notify = notify;
    this.instances.push(out);
  }

  /** tandem's garp settings are global: the first instance's value wins, a different one is noted. */
  instanceGarp(s: KStatement, where: string): void {
    const key = GARP_KEYS[s.keyword] as string;
    const value = numberArg(s);
    if (this.garp[key] === undefined) this.garp[key] = value;
    else if (this.garp[key] !== value) this.differs(s, where, `tandem's garp.${key} is one value for all instances; keeping ${String(this.garp[key])}`);
  }

  vips(block: KStatement, where: string, iface: string | undefined): string[] {
    const out: string[] = [];
    for (const v of block.children ?? []) {
      const options = vipOptions(v.args);
      if (options.dev !== undefined && iface !== undefined && options.dev !== iface) {
        this.untranslated(v, where, `a VIP on another device (${options.dev}) than the instance's (${iface})`);
        continue;
      }
      if (options.label) this.note(v, where, `label ${options.label} dropped (a name \`ip addr\` shows; traffic is the same)`);
      const known = options.other.filter((o) => VIP_OPTIONS.has(o));
      const unknown = options.other.filter((o) => !VIP_OPTIONS.has(o) && !VIP_OPTIONS.has(options.other[options.other.indexOf(o) - 1] ?? ''));
      if (known.length) this.differs(v, where, `options dropped: ${options.other.filter((o) => !unknown.includes(o)).join(' ')}`);
      if (unknown.length) this.note(v, where, `Keepalived ignores ${unknown.map((u) => `"${u}"`).join(', ')} here (not an address option); so does this import`, 'warning');
      const address = v.keyword.includes('/') || !isIPv4(v.keyword) ? v.keyword : `${v.keyword}/32`;
      if (out.includes(address) || out.includes(v.keyword)) {
        this.note(v, where, `${v.keyword} is listed twice; kept once`);
        continue;
      }
      out.push(v.keyword);
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
      else if (s.keyword === 'smtp_alert') {
        out.alert = boolArg(s);
        this.firstAlert ??= s;
      } else if (!s.args.length && !s.children && /^[A-Za-z0-9_.-]+$/.test(s.keyword) && !(s.keyword in KNOWN_GROUP_KEYWORDS)) {
        // Keepalived reads members only inside `group { }`: a bare name is an unknown keyword it skips.
        this.note(s, where, `Keepalived ignores "${s.keyword}" here (members go inside \`group { }\`); so does this import`, 'warning');
      } else this.untranslated(s, where);
    }
    if (Object.keys(notify).length) out.notify = notify;
    if (!(out.instances as string[] | undefined)?.length) {
      this.note(block, '', `group ${name} has no members; Keepalived removes it, and so does this import`, 'warning');
      return;
    }
    this.groups.push(out);
  }

  /** The alerts section and each object's `alert`, with Keepalived's defaults resolved. */
  alerts(config: Obj): void {
    const vrrpDefault = this.alertVrrp ?? this.alertAll ?? false;
    const checkerDefault = this.alertChecker ?? this.alertAll ?? false;
    for (const o of [...this.instances, ...this.groups]) if (o.alert === undefined && vrrpDefault) o.alert = true;
    this.lvs.resolveAlerts(checkerDefault);
    const wanted = [...this.instances, ...this.groups, ...this.lvs.services].some((o) => o.alert === true);
    const smtp = { ...this.smtp };
    if (!smtp.server || !(smtp.to as string[] | undefined)?.length) {
      const at = this.firstAlert ?? this.lvs.firstAlert;
      if (wanted) this.notes.push({ line: at?.line ?? 0, file: at?.file, where: 'smtp_alert', message: 'alerts asked for, but no smtp_server or notification_email: none will be sent (as in Keepalived)', kind: 'note' });
      for (const o of [...this.instances, ...this.groups, ...this.lvs.services]) delete o.alert;
      return;
    }
    if (smtp.connect_timeout === undefined) smtp.connect_timeout = 30; // Keepalived's default
    config.alerts = { smtp };
  }
}

/** Address options Keepalived knows on a virtual_ipaddress line (besides dev and label). */
const VIP_OPTIONS = new Set(['scope', 'brd', 'broadcast', 'peer', 'home', '-nodad', 'nodad', 'noprefixroute', 'autojoin', 'preferred_lft', 'track', 'no_track', 'protocol']);

/** The options of a virtual_ipaddress line: `dev IF`, `label L`, and the rest. */
function vipOptions(args: string[]): { dev?: string; label?: string; other: string[] } {
  const out: { dev?: string; label?: string; other: string[] } = { other: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === 'dev') out.dev = args[++i];
    else if (a === 'label') out.label = args[++i];
    else out.other.push(a);
  }
  return out;
}

function isIPv4(text: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(text);
}

export function translateKeepalived(statements: KStatement[]): ImportResult {
  const t = new Translator();
  t.top(statements);
  const config: Obj = {};
  if (!t.instances.length) {
    config.auth = 'none';
  } else if (t.authenticated) {
    config.auth = { key_file: '/etc/tandem/key' };
    if (t.unauthenticated) {
      t.notes.push({ line: 0, where: 'authentication', message: 'some instances had authentication and some not: tandem authenticates all with one key', kind: 'note' });
    }
  } else {
    config.auth = 'none';
    t.notes.push({ line: 0, where: 'authentication', message: 'no instance had authentication: imported as `auth: none`; set auth.key_file to protect the VIPs', kind: 'note' });
  }
  t.alerts(config);
  if (Object.keys(t.garp).length) config.garp = t.garp;
  if (Object.keys(t.scripts).length) config.scripts = t.scripts;
  if (t.instances.length) config.instances = t.instances;
  else if (t.lvs.services.length) t.notes.push({ line: 0, where: 'vrrp_instance', message: 'no VRRP instance: a checker-only director (it checks the real servers and keeps the IPVS table; another system moves the VIPs)', kind: 'note' });
  if (t.groups.length) config.sync_groups = t.groups;
  t.lvs.finish(t.scriptUser);
  const hooked = [...t.instances, ...t.groups].some((o) => o.notify) || t.lvs.services.some((vs) => vs.notify || (vs.real_servers as Obj[]).some((rs) => rs.notify));
  if (t.scriptUserAt && hooked) t.differs(t.scriptUserAt, 'global_defs', `tracking scripts and script checks run as ${t.scriptUser}; notify hooks run as root (tandem has no user for hooks)`);
  if (Object.keys(t.ipvs).length) config.ipvs = t.ipvs;
  if (t.lvs.services.length) config.virtual_services = t.lvs.services;
  return { config, notes: t.notes };
}

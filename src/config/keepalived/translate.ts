import type { KStatement } from './parse.js';
import type { ImportNote, Obj, Reporter } from './report.js';
import { boolArg, keepalivedNumber, numberArg } from './report.js';
import { translateIpList, translateStaticAddresses } from './translate-ip.js';
import { LvsTranslator } from './translate-lvs.js';
import { GARP_KEYS, GARP_NUMBER, VERSION_NOTE, VrrpTranslator } from './translate-vrrp.js';

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

class Translator implements Reporter {
  readonly vrrp: VrrpTranslator = new VrrpTranslator(this);
  readonly notes: ImportNote[] = [];
  readonly garp: Obj = {};
  readonly scripts: Obj = {};
  readonly files: Obj = {};
  readonly instances: Obj[] = [];
  readonly groups: Obj[] = [];
  readonly ipvs: Obj = {};
  readonly smtp: Obj = {};
  readonly statics: { static_addresses: string[]; static_routes: string[]; static_rules: string[] } = { static_addresses: [], static_routes: [], static_rules: [] };
  readonly lvs = new LvsTranslator(this);
  /** Global smtp_alert defaults: undefined means unset, as Keepalived's -1. */
  alertAll?: boolean;
  alertVrrp?: boolean;
  alertChecker?: boolean;
  scriptUser?: string;
  scriptUserAt?: KStatement;
  defaultInterface?: string;
  /** global_defs vrrp_version (Keepalived's default: 2). */
  vrrpVersion?: number;
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

  untranslated(s: KStatement, where: string, why?: string): void {
    if (s.keyword === 'include') {
      this.note(s, where, `no such file: ${s.args[0] ?? ''}; Keepalived runs without it, and so does this import (import on a director that has it)`, 'warning');
      return;
    }
    this.note(s, where, `not translated: ${why ?? 'tandem has no equivalent'}`, 'untranslated');
  }

  top(statements: KStatement[]): void {
    for (const s of statements) {
      switch (s.keyword) {
        case 'global_defs':
          this.globalDefs(s);
          break;
        case 'vrrp_script':
          this.vrrp.script(s);
          break;
        case 'vrrp_track_process':
          this.vrrp.trackProcess(s);
          break;
        case 'track_file':
        case 'vrrp_track_file':
          this.vrrp.trackFile(s);
          break;
        case 'vrrp_instance':
          this.vrrp.instance(s);
          break;
        case 'vrrp_sync_group':
          this.vrrp.syncGroup(s);
          break;
        case 'virtual_server':
          this.lvs.virtualServer(s);
          break;
        case 'virtual_server_group':
          this.lvs.group(s);
          break;
        case 'static_routes':
          this.statics.static_routes.push(...translateIpList(this, s, '', 'route'));
          break;
        case 'static_rules':
          this.statics.static_rules.push(...translateIpList(this, s, '', 'rule'));
          break;
        case 'static_ipaddress':
          this.statics.static_addresses.push(...translateStaticAddresses(this, s, this.defaultInterface));
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
        const value = keepalivedNumber(this, s, 'global_defs', GARP_NUMBER);
        if (value !== undefined) this.garp[garpKey] = value;
      } else if (s.keyword in GLOBAL_NOTES) {
        // The VRRP version still decides how Keepalived rounds an advert interval.
        if (s.keyword === 'vrrp_version' && (s.args[0] === '2' || s.args[0] === '3')) this.vrrpVersion = Number(s.args[0]);
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

export function translateKeepalived(statements: KStatement[]): ImportResult {
  const t = new Translator();
  t.top(knownOnly(t, statements, ''));
  t.vrrp.dropUnknownScripts();
  t.vrrp.dropUnknownMembers();
  t.vrrp.completeInstances();
  t.vrrp.unweightTracking();
  t.vrrp.spreadGroupTracking();
  t.vrrp.separateVrids();
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
  if (Object.keys(t.files).length) config.files = t.files;
  if (Object.keys(t.scripts).length) config.scripts = t.scripts;
  if (t.instances.length) config.instances = t.instances;
  else if (t.lvs.services.length) t.notes.push({ line: 0, where: 'vrrp_instance', message: 'no VRRP instance: a checker-only director (it checks the real servers and keeps the IPVS table; another system moves the VIPs)', kind: 'note' });
  if (t.groups.length) config.sync_groups = t.groups;
  t.lvs.finish(t.scriptUser);
  const hooked = [...t.instances, ...t.groups].some((o) => o.notify) || t.lvs.services.some((vs) => vs.notify || (vs.real_servers as Obj[]).some((rs) => rs.notify));
  // script_user root: Keepalived's hooks run as root too.
  if (t.scriptUserAt && hooked && t.scriptUser !== 'root') t.differs(t.scriptUserAt, 'global_defs', `tracking scripts and script checks run as ${t.scriptUser}; notify hooks run as root (tandem has no user for hooks)`);
  for (const [key, list] of Object.entries(t.statics)) if (list.length) config[key] = [...new Set(list)];
  if (Object.keys(t.ipvs).length) config.ipvs = t.ipvs;
  if (t.lvs.services.length) config.virtual_services = t.lvs.services;
  return { config, notes: inLineOrder(t.notes) };
}

/** Why Keepalived 2 does not know a keyword people still write, where it is not obvious. */
const UNKNOWN_WHY: Record<string, string> = {
  nat_mask: 'Keepalived 2 ignores nat_mask (an unknown keyword since 1.x)',
  nb_get_retry: 'Keepalived 2 ignores nb_get_retry here (it knows it in HTTP_GET and SSL_GET only; use retry)',
};

/** Notes in the order of the lines they are about (an included file's after the file that includes it); notes on no line last. */
function inLineOrder(notes: ImportNote[]): ImportNote[] {
  const files = [...new Set(notes.map((n) => n.file ?? ''))];
  const rank = (n: ImportNote) => (n.line === 0 ? Infinity : files.indexOf(n.file ?? '') * 1e9 + n.line);
  // A group's services are made from one block: what is said of its lines is said once.
  const unique = notes.filter((n, i) => notes.findIndex((m) => m.line === n.line && m.file === n.file && m.message === n.message && m.where === n.where) === i);
  return unique.map((n, i) => ({ n, i })).sort((a, b) => rank(a.n) - rank(b.n) || a.i - b.i).map(({ n }) => n);
}

function unknownWhy(s: KStatement, parent: string): string {
  // Keepalived reads members only inside `group { }`: a bare name is an unknown keyword to it.
  if (parent === 'vrrp_sync_group' && !s.args.length) return `Keepalived ignores "${s.keyword}" here (members go inside \`group { }\`)`;
  return UNKNOWN_WHY[s.keyword] ?? `Keepalived does not know "${s.keyword}" here and skips it`;
}

/**
 * The statements as Keepalived reads them: those it does not know where they stand are reported
 * and left out (with their lines), and braces it reads otherwise than they look are warned of.
 */
function knownOnly(t: Translator, statements: KStatement[], where: string, parent = ''): KStatement[] {
  const out: KStatement[] = [];
  for (const s of statements) {
    if (s.braceMissing) t.note(s, where, `its "{" is missing: Keepalived reads the lines after it as its block (and logs "Missing '{'"), so does this import; add the "{"`, 'warning');
    // virtual_server_group's handler takes its name off the line before it reads the block.
    if (s.values && s.args.length && s.keyword !== 'virtual_server_group') {
      t.note(s, where, `Keepalived ignores ${s.args.map((a) => `"${a}"`).join(' ')} after ${s.keyword} (and logs "Block ${s.keyword} has extra parameters"): its values go in its block; so does this import`, 'warning');
    }
    if (s.keyword === '}') t.note(s, where, 'a "}" that closes no block: Keepalived skips it; so does this import', 'warning');
    else if (s.keyword === '{') t.note(s, where, 'a "{" that opens no block: Keepalived skips it (and logs "Unexpected \'{\'"), so the lines after it stay in this block and its "}" closes this block; so does this import', 'warning');
    else if (s.unknown) t.note(s, where, `${unknownWhy(s, parent)}; so does this import`, 'warning');
    if (s.strayBrace && s.keyword !== '{') {
      t.note(s, where, `"${s.keyword}" opens no block in Keepalived: it skips the "{" after it (and logs "Unexpected '{'"), reads the lines after it as lines of the block it stands in, and the "}" meant for it closes that block; so does this import`, 'warning');
    }
    if (s.unknown || s.strayBrace && s.keyword === '{') continue;
    out.push(s.children ? { ...s, children: knownOnly(t, s.children, [where, [s.keyword, ...s.args].join(' ')].filter(Boolean).join(' > '), s.keyword) } : s);
  }
  return out;
}

import type { KStatement } from './parse.js';
import { isIPv4 } from 'node:net';
import { SCHEDULERS } from '../schema.js';
import { splitCommand } from './parse.js';
import type { Obj, Reporter } from './report.js';
import { boolArg, keepalivedAddress, numberArg } from './report.js';
import { isChecker, takeTimer, translateChecker } from './checks.js';
import { completeService, DEFAULT_PERSISTENCE } from './complete-lvs.js';
import type { ServiceLines } from './complete-lvs.js';

/*
 * Keepalived's LVS side -> tandem's virtual_services: virtual servers (by address and port,
 * by firewall mark, or by group), their real servers and checks, and the sync daemon.
 */

const METHODS: Record<string, string> = { NAT: 'nat', DR: 'dr', TUN: 'tun' };

interface GroupEntry {
  statement: KStatement;
  service: Obj;
}

export class LvsTranslator {
  readonly services: Obj[] = [];
  /** The first smtp_alert seen on a virtual or real server. */
  firstAlert?: KStatement;
  private readonly groups = new Map<string, GroupEntry[]>();
  /** Services from `virtual_server group NAME`, expanded once every group is known. */
  private readonly byGroup: { block: KStatement; template: Obj; lines: ServiceLines; real: { at: KStatement; server: Obj }[] }[] = [];

  constructor(private readonly r: Reporter) {}

  syncDaemon(s: KStatement, ipvs: Obj): void {
    // lvs_sync_daemon INTERFACE INSTANCE [id N] [maxlen N] [port N] [ttl N] [group ADDR]
    const [iface, instance, ...rest] = s.args;
    if (ipvs.sync_daemon) {
      this.r.note(s, '', `Keepalived keeps the first sync daemon setting (interface ${String((ipvs.sync_daemon as Obj).interface)}) and ignores this one; so does this import`, 'warning');
      return;
    }
    const sync: Obj = { interface: iface };
    const other: string[] = [];
    for (let i = 0; i < rest.length; i++) {
      const key = rest[i] as string;
      if (key === 'id') sync.sync_id = Number(rest[++i]);
      else if (key === 'maxlen') sync.max_message_bytes = Number(rest[++i]);
      else other.push(key);
    }
    if (other.length) this.r.differs(s, 'global_defs', `options dropped: ${other.join(' ')} (tandem uses ipvsadm's defaults)`);
    this.r.note(s, 'global_defs', `instance ${instance} dropped: tandem runs the sync daemon as master and backup on both directors, whatever the VRRP state`);
    ipvs.sync_daemon = sync;
  }

  /** virtual_server_group NAME { ADDR PORT | ADDR-LAST PORT | fwmark N }. */
  group(block: KStatement): void {
    const name = block.args[0] ?? 'unnamed';
    const where = `virtual_server_group ${name}`;
    const entries: GroupEntry[] = [];
    for (const s of block.children ?? []) {
      if (s.keyword === 'fwmark') {
        entries.push({ statement: s, service: { protocol: 'fwmark', fwmark: numberArg(s) } });
        continue;
      }
      const addresses = expandRange(s.keyword);
      if (!addresses || s.args.length < 1) {
        this.r.untranslated(s, where, 'an entry must be `ADDRESS PORT`, `ADDRESS-LAST PORT` or `fwmark MARK`');
        continue;
      }
      for (const address of addresses) entries.push({ statement: s, service: { address, port: Number(s.args[0]) } });
    }
    this.groups.set(name, entries);
  }

  virtualServer(block: KStatement): void {
    const where = `virtual_server ${block.args.join(' ')}`;
    const out: Obj = {};
    if (block.args[0] === 'fwmark') {
      out.protocol = 'fwmark';
      out.fwmark = Number(block.args[1]);
    } else {
      // Its place among the keys; complete() gives the protocol Keepalived defaults to.
      out.protocol = undefined;
    }
    if (block.args[0] !== 'group' && block.args[0] !== 'fwmark') {
      out.address = block.args[0];
      out.port = Number(block.args[1] ?? 0);
      if (block.args[2] === 'dev') this.r.untranslated(block, '', `\`dev ${block.args[3]}\` (a service bound to a link-local address's interface)`);
    }
    const servers: KStatement[] = [];
    const timers: Obj = {};
    const shared: Obj = {};
    const state = { method: 'nat', flags: [] as string[] };
    const lines: ServiceLines = {};
    for (const s of block.children ?? []) {
      if (takeTimer(s, timers, where, this.r)) continue;
      if (s.keyword === 'real_server') servers.push(s);
      else if (s.keyword === 'ops') lines.ops = s;
      else if (s.keyword === 'weight') lines.weight = s;
      else {
        if (s.keyword === 'quorum' || s.keyword === 'hysteresis' || s.keyword === 'protocol') lines[s.keyword] = s;
        if (s.keyword === 'sorry_server') lines.sorry = s;
        this.serviceSetting(s, where, out, shared, state);
      }
    }
    if (state.flags.length) out.scheduler_flags = state.flags;
    // The forwarding method is the service's in Keepalived, each real server's in tandem.
    const real = servers.map((s) => ({ at: s, server: { ...this.realServer(s, where, timers, shared), method: state.method } }));
    if (out.sorry_server) out.sorry_server = { method: state.method, ...(out.sorry_server as Obj) };
    if (block.args[0] === 'group') {
      // Completed per group entry in finish(), once every group is known.
      out.real_servers = real.map((r) => r.server);
      this.byGroup.push({ block, template: out, lines, real });
      return;
    }
    completeService(block, where, out, lines, real, this.r);
    hoistCommonCheck(out);
    this.services.push(out);
  }

  private serviceSetting(s: KStatement, where: string, out: Obj, shared: Obj, state: { method: string; flags: string[] }): void {
    switch (s.keyword) {
      case 'lb_algo':
      case 'lvs_sched':
        this.scheduler(s, where, out);
        return;
      case 'lb_kind':
      case 'lvs_method':
        state.method = this.method(s, where, state.method);
        return;
      case 'sorry_server_lvs_method':
        out.sorry_server = { ...(out.sorry_server as Obj | undefined), method: this.method(s, where, 'nat') };
        return;
      case 'protocol': {
        const p = (s.args[0] ?? 'TCP').toUpperCase();
        if (p !== 'TCP' && p !== 'UDP') this.r.untranslated(s, where, `protocol ${s.args[0]}: tandem serves TCP and UDP`);
        else if (out.protocol !== 'fwmark') out.protocol = p.toLowerCase();
        return;
      }
      case 'persistence_timeout':
        if (s.args[0] !== undefined && !(numberArg(s) >= 1)) {
          this.r.note(s, where, `Keepalived refuses persistence_timeout ${s.args[0]} (1 to 2678400) and leaves the service without persistence; so does this import`, 'warning');
          return;
        }
        out.persistence = { ...(out.persistence as Obj | undefined), timeout: s.args[0] === undefined ? DEFAULT_PERSISTENCE : numberArg(s) };
        return;
      case 'persistence_granularity':
        // An IPv4 mask, or an IPv6 prefix length; Keepalived skips anything else.
        if (isIPv4(s.args[0] ?? '')) out.persistence = { timeout: DEFAULT_PERSISTENCE, ...(out.persistence as Obj | undefined), netmask: s.args[0] };
        else if (/^\d{1,3}$/.test(s.args[0] ?? '')) this.r.untranslated(s, where, 'an IPv6 persistence prefix length: tandem takes an IPv4 netmask');
        else this.r.note(s, where, `Keepalived refuses the granularity "${s.args[0] ?? ''}" and skips the line; so does this import`, 'warning');
        return;
      case 'sh-port':
      case 'sh-fallback':
      case 'mh-port':
      case 'mh-fallback':
      case 'flag-1':
      case 'flag-2':
      case 'flag-3':
        state.flags.push(s.keyword);
        return;
      case 'sorry_server': {
        const address = keepalivedAddress(this.r, s, where);
        if (address) out.sorry_server = { ...(out.sorry_server as Obj | undefined), address, port: Number(s.args[1] ?? 0) };
        return;
      }
      case 'quorum':
        out.quorum = numberArg(s);
        return;
      case 'hysteresis':
        out.quorum_hysteresis = numberArg(s);
        return;
      case 'quorum_up':
        out.notify = { ...(out.notify as Obj | undefined), quorum_up: splitCommand(s.args.join(' ')) };
        return;
      case 'quorum_down':
        out.notify = { ...(out.notify as Obj | undefined), quorum_down: splitCommand(s.args.join(' ')) };
        return;
      case 'omega':
        out.notify_down_at_stop = true;
        return;
      case 'alpha':
        shared.initially = 'down';
        return;
      case 'inhibit_on_failure':
        out.inhibit_on_failure = boolArg(s);
        return;
      case 'virtualhost':
        shared.host = s.args[0];
        return;
      case 'smtp_alert':
        out.alert = boolArg(s);
        this.firstAlert ??= s;
        return;
      case 'ha_suspend':
        this.r.differs(s, where, 'tandem checks real servers on both directors whatever their VRRP state (Keepalived suspends the checks on a backup)');
        return;
      default:
        this.r.untranslated(s, where);
    }
  }

  /**
   * Keepalived takes the schedulers it knows of and skips any other word, leaving its default
   * (wlc, tandem's too).
   */
  private scheduler(s: KStatement, where: string, out: Obj): void {
    const word = s.args[0] ?? '';
    if ((SCHEDULERS as readonly string[]).includes(word)) out.scheduler = word;
    else if (word === 'twos') this.r.untranslated(s, where, 'the twos scheduler (Linux 6.2): tandem does not offer it yet');
    else this.r.note(s, where, `Keepalived refuses the scheduler "${word}" and keeps wlc; so does this import`, 'warning');
  }

  /**
   * Keepalived knows NAT, DR and TUN, in capitals only; anything else is a config error it
   * reports and skips, leaving the method as it was (NAT by default). So does the import.
   */
  private method(s: KStatement, where: string, current: string): string {
    const word = s.args[0] ?? '';
    const method = METHODS[word];
    if (method) {
      if (s.args.length > 1) this.r.untranslated(s, where, `tunnel options ${s.args.slice(1).join(' ')}: tandem tunnels by IP-in-IP only`);
      return method;
    }
    const meant = METHODS[word.toUpperCase()];
    this.r.note(s, where, `Keepalived refuses ${s.keyword} "${word}" and keeps ${current.toUpperCase()}, so does this import${meant ? `; write ${word.toUpperCase()} if you meant it` : ''}`, 'warning');
    return current;
  }

  /** A real server and its check; `inherited` timers and `shared` check options come from its service. */
  private realServer(block: KStatement, where: string, inherited: Obj, shared: Obj): Obj {
    const out: Obj = { address: block.args[0], port: Number(block.args[1] ?? 0) };
    const here = `${where} > real_server ${block.args.join(' ')}`;
    const timers: Obj = { ...inherited };
    const own: Obj = { ...shared };
    const notify: Obj = {};
    const checks: { at: KStatement; check: Obj }[] = [];
    for (const s of block.children ?? []) {
      if (takeTimer(s, timers, here, this.r)) continue;
      if (s.keyword === 'weight') out.weight = numberArg(s);
      else if (s.keyword === 'uthreshold') out.upper_threshold = numberArg(s);
      else if (s.keyword === 'lthreshold') out.lower_threshold = numberArg(s);
      else if (s.keyword === 'inhibit_on_failure') out.inhibit_on_failure = boolArg(s);
      else if (s.keyword === 'alpha') own.initially = 'down';
      else if (s.keyword === 'virtualhost') own.host = s.args[0];
      else if (s.keyword === 'notify_up') notify.up = splitCommand(s.args.join(' '));
      else if (s.keyword === 'notify_down') notify.down = splitCommand(s.args.join(' '));
      else if (s.keyword === 'smtp_alert') {
        out.alert = boolArg(s);
        this.firstAlert ??= s;
      }
      else if (pathlessMisc(s)) {
        this.r.note(s, here, 'Keepalived skips a MISC_CHECK without misc_path; so does this import', 'warning');
      } else if (isChecker(s.keyword)) checks.push(...translateChecker(s, timers, here, this.r).map((check) => ({ at: s, check })));
      else this.r.untranslated(s, here);
    }
    if (Object.keys(notify).length) out.notify = notify;
    const portless = (c: Obj) => out.port === 0 && !['script', 'ping', 'file'].includes(c.type as string) && c.connect_port === undefined;
    const kept = checks.filter(({ at, check }) => {
      if (!portless(check)) return true;
      this.r.untranslated(at, here, 'a check of a real server without a port and without connect_port (Keepalived connects to port 0, which never answers): give connect_port');
      return false;
    });
    const { host, initially } = own;
    const full = kept.map(({ check: c }) => {
      const type = c.type as string;
      return { ...c, ...(initially ? { initially } : {}), ...(host && !c.host && (type === 'http' || type === 'https') ? { host } : {}) };
    });
    // Several checkers: the server is up while every one is, as in Keepalived.
    if (full.length === 1) out.check = full[0];
    else if (full.length > 1) out.checks = full;
    return out;
  }

  /** `smtp_alert` on a real server makes its service alert (tandem alerts per service). */
  resolveAlerts(checkerDefault: boolean): void {
    for (const vs of [...this.services, ...this.byGroup.map((g) => g.template)]) {
      const servers = vs.real_servers as Obj[];
      const fromServers = servers.some((rs) => rs.alert === true);
      for (const rs of servers) delete rs.alert;
      if (vs.alert === undefined && (fromServers || checkerDefault)) vs.alert = true;
    }
  }

  /** Expands the group services and gives the scripts the global script_user. */
  finish(scriptUser: string | undefined): void {
    for (const { block, template, lines, real } of this.byGroup) {
      const name = block.args[1] ?? '';
      const entries = this.groups.get(name);
      if (!entries) {
        this.r.untranslated(block, '', `no virtual_server_group named "${name}"`);
        continue;
      }
      if (entries.length > 1) {
        this.r.note(block, '', `group ${name} becomes ${entries.length} virtual services with the same real servers; tandem checks each real server once per service (Keepalived: once for the group)`);
      }
      for (const e of entries) {
        const service: Obj = { ...structuredClone(template), ...e.service };
        const servers = real.map((r) => ({ at: r.at, server: structuredClone(r.server) }));
        completeService(block, `virtual_server ${block.args.join(' ')}`, service, lines, servers, this.r);
        hoistCommonCheck(service);
        this.services.push(service);
      }
    }
    if (!scriptUser) return;
    for (const vs of this.services) {
      for (const c of [vs.check, ...(vs.real_servers as Obj[]).map((rs) => rs.check)] as (Obj | undefined)[]) {
        if (c?.type === 'script' && c.user === undefined) c.user = scriptUser;
      }
    }
  }
}

/** `192.0.2.1-10` -> the addresses 192.0.2.1 to 192.0.2.10 (IPv4: last byte; IPv6: last group, hex). */
function expandRange(text: string): string[] | undefined {
  const m = /^(.*[.:])([0-9a-fA-F]+)-([0-9a-fA-F]+)$/.exec(text);
  if (!m) return [text];
  const [, head, from, to] = m as unknown as [string, string, string, string];
  const base = head.endsWith(':') ? 16 : 10;
  const start = Number.parseInt(from, base);
  const end = Number.parseInt(to, base);
  if (!(end >= start) || end - start > 255 * (base === 16 ? 257 : 1)) return undefined;
  const out: string[] = [];
  for (let v = start; v <= end; v++) out.push(`${head}${v.toString(base)}`);
  return out;
}

/** When every real server of a service has the same check, it becomes the service's check. */
function hoistCommonCheck(service: Obj): void {
  const servers = service.real_servers as Obj[];
  const checks = servers.map((r) => JSON.stringify(r.check));
  if (servers.length < 2 || checks[0] === undefined || checks.some((c) => c !== checks[0] || c === undefined)) return;
  service.check = servers[0]?.check;
  for (const r of servers) delete r.check;
}

/** A MISC_CHECK with no script, which Keepalived skips. */
function pathlessMisc(s: KStatement): boolean {
  return s.keyword === 'MISC_CHECK' && !(s.children ?? []).some((c) => c.keyword === 'misc_path');
}

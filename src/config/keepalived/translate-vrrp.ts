import { isIP } from 'node:net';
import { isVip } from '../vip.js';
import { completeInstance, entryName, SETTING_KEYS, unweightTracking } from './complete-vrrp.js';
import type { InstanceSettings, TrackRef } from './complete-vrrp.js';
import type { KStatement } from './parse.js';
import { splitCommand } from './parse.js';
import type { Obj, Reporter } from './report.js';
import { boolArg, keepalivedAddress, keepalivedNumber, numberArg } from './report.js';
import type { NumberRule } from './report.js';
import type { LvsTranslator } from './translate-lvs.js';
import { keptVipOptions, translateIpList, vipOptions } from './translate-ip.js';

/*
 * Keepalived's VRRP side -> tandem's scripts, instances and sync groups.
 */

export const GARP_KEYS: Record<string, string> = {
  garp_master_repeat: 'repeat',
  garp_master_delay: 'delay',
  garp_master_refresh: 'refresh',
  garp_master_refresh_repeat: 'refresh_repeat',
};

export const VERSION_NOTE = 'dropped: tandem speaks its own authenticated protocol over UDP; both directors must run tandem';

/** The ranges Keepalived reads these keywords' numbers in. */
const SCRIPT_NUMBERS: Record<string, NumberRule> = {
  interval: { min: 0, max: 86400, decimal: true },
  timeout: { min: 0, max: 86400, decimal: true },
  rise: { min: 1, max: 2147483647 },
  fall: { min: 1, max: 2147483647 },
};
const PRIORITY: NumberRule = { min: 1, max: 255 };
const ADVERT_INT: NumberRule = { min: 0.01, max: 255, decimal: true };
const PREEMPT_DELAY: NumberRule = { min: 0, max: 1000, decimal: true };
const WEIGHT: NumberRule = { min: -253, max: 253 };
/** A track_file's own weight; tandem's ±65535 saturates IPVS and VRRP weights alike, so a larger one is clamped. */
const FILE_WEIGHT: NumberRule = { min: -2147483647, max: 2147483647 };
const FILE_INIT: NumberRule = { min: -2147483648, max: 2147483647 };
const TRACK_FILE_WEIGHT: NumberRule = { min: -254, max: 254 };
/** garp_master_delay, _repeat, _refresh, _refresh_repeat (seconds or counts). */
export const GARP_NUMBER: NumberRule = { min: 0, max: 4294967, decimal: true };

const NOTIFY_KEYS: Record<string, string> = {
  notify_master: 'master',
  notify_backup: 'backup',
  notify_fault: 'fault',
  notify_stop: 'stop',
  notify: 'any',
};

/** What the VRRP translation shares with the rest of the import. */
export interface VrrpShared extends Reporter {
  readonly garp: Obj;
  readonly scripts: Obj;
  readonly files: Obj;
  readonly instances: Obj[];
  readonly groups: Obj[];
  readonly ipvs: Obj;
  readonly lvs: LvsTranslator;
  scriptUser?: string;
  defaultInterface?: string;
  vrrpVersion?: number;
  authenticated: boolean;
  unauthenticated: boolean;
  firstAlert?: KStatement;
}

export class VrrpTranslator {
  /** Each instance's track_script and track_process entries, checked once every script is known. */
  private readonly scriptRefs: TrackRef[] = [];
  /** Each instance's track_interface entries. */
  private readonly interfaceRefs: TrackRef[] = [];
  /** Sync groups with sync_group_tracking_weight: their members keep their tracking weights. */
  private readonly weightedGroups = new Set<Obj>();
  /** Each instance's track_file entries, checked once every file is known. */
  private readonly fileRefs: TrackRef[] = [];
  /** Each sync group's members, checked once every instance is known. */
  private readonly memberRefs: { statement: KStatement; where: string; owner: Obj }[] = [];
  /** Each instance's virtual_router_id line. */
  private readonly vridAt = new Map<Obj, KStatement>();
  /** The lines of each instance that Keepalived reconsiders once the whole file is read. */
  private readonly settings = new Map<Obj, InstanceSettings>();

  constructor(private readonly t: VrrpShared) {}

  /**
   * Keepalived ignores a sync group member that is no instance ("doesn't exist - ignoring"), and
   * removes a group left with none: so does the import.
   */
  dropUnknownMembers(): void {
    this.dropUnknown(this.memberRefs, new Set(this.t.instances.map((i) => i.name as string)), 'instances', 'vrrp_instance');
    const empty = this.t.groups.filter((g) => !g.instances);
    for (const g of empty) this.t.groups.splice(this.t.groups.indexOf(g), 1);
  }

  /**
   * Keepalived keeps instances apart by interface, family and VRID, so one VRID may serve on two
   * interfaces (a WAN and a LAN instance, both 51). tandem's adverts are told apart by VRID
   * alone: each such instance after the first gets the next free VRID, with a warning. The
   * peer's config, imported the same way, gives it the same one.
   */
  separateVrids(): void {
    const used = new Set(this.t.instances.map((i) => i.vrid));
    const first = new Map<string, Obj>();
    for (const inst of this.t.instances) {
      const vrid = inst.vrid;
      if (typeof vrid !== 'number') continue;
      const family = (inst.vips as string[] | undefined)?.[0]?.includes(':') ? 6 : 4;
      const owner = first.get(String(vrid));
      if (!owner) {
        first.set(String(vrid), inst);
        continue;
      }
      const ownerFamily = (owner.vips as string[] | undefined)?.[0]?.includes(':') ? 6 : 4;
      // The same interface and family: Keepalived refuses it too, and so does the schema.
      if (owner.interface === inst.interface && ownerFamily === family) continue;
      const free = [...Array.from({ length: 255 - vrid }, (_, k) => vrid + 1 + k), ...Array.from({ length: vrid - 1 }, (_, k) => k + 1)].find((v) => !used.has(v));
      if (free === undefined) continue;
      used.add(free);
      inst.vrid = free;
      const line = this.vridAt.get(inst) as KStatement;
      this.t.note(
        line,
        `vrrp_instance ${String(inst.name)}`,
        `VRID ${vrid} is also instance ${String(owner.name)}'s (on ${String(owner.interface)}): Keepalived tells them apart by interface, tandem by VRID alone, so this one gets ${free}; import the peer director's config the same way`,
        'warning',
      );
    }
  }

  /** What Keepalived decides for each instance once it has read the whole file (complete-vrrp.ts). */
  completeInstances(): void {
    for (const inst of this.t.instances) {
      completeInstance(inst, this.settings.get(inst) ?? {}, this.interfaceRefs.filter((r) => r.owner === inst), this.t.vrrpVersion, this.t);
    }
  }

  /** The tracking weights Keepalived does not take (complete-vrrp.ts). Run after dropUnknownScripts and dropUnknownMembers. */
  unweightTracking(): void {
    const groups = this.t.groups.filter((g) => !this.weightedGroups.has(g));
    unweightTracking(this.t.instances, groups, { interfaces: this.interfaceRefs, scripts: this.scriptRefs, files: this.fileRefs }, { scripts: this.t.scripts, files: this.t.files }, this.t);
  }

  /** An instance's (or a sync group's) track_interface, track_script or track_file block, onto `out`'s lists. */
  private trackList(s: KStatement, where: string, out: Obj): void {
    switch (s.keyword) {
      case 'track_interface':
        this.interfaceRefs.push(...(s.children ?? []).map((statement) => ({ statement, where, owner: out })));
        out.track_interfaces = (s.children ?? []).map((t) => {
          const weight = t.args[0] === 'weight' ? Number(t.args[1]) : undefined;
          if (t.args[2] === 'reverse') this.t.untranslated(t, where, 'a reversed weight (added while the interface is down)');
          return weight === undefined ? t.keyword : { interface: t.keyword, weight };
        });
        break;
      case 'track_script':
        this.scriptRefs.push(...(s.children ?? []).map((statement) => ({ statement, where, owner: out })));
        out.track_scripts = [...((out.track_scripts as unknown[] | undefined) ?? []), ...(s.children ?? []).map((t) => {
          if (t.args[0] !== 'weight') return t.keyword;
          if (t.args[2] === 'reverse') this.t.untranslated(t, where, 'a reversed weight (added while the script fails)');
          return { script: t.keyword, weight: Number(t.args[1]) };
        })];
        break;
      case 'track_file':
        this.fileRefs.push(...(s.children ?? []).map((statement) => ({ statement, where, owner: out })));
        out.track_files = [
          ...((out.track_files as unknown[] | undefined) ?? []),
          ...(s.children ?? []).map((t) => {
            if (t.args[0] !== 'weight') return t.keyword;
            const weight = keepalivedNumber(this.t, t, where, TRACK_FILE_WEIGHT, 1);
            if (weight === undefined) return t.keyword;
            return { file: t.keyword, weight: t.args[2] === 'reverse' ? -weight : weight };
          }),
        ];
        break;
    }
  }

  /**
   * A sync group's own track_interface, track_script and track_file: Keepalived tracks them in
   * every member, with their weights (cleared when a member is the address owner, "Cannot have
   * weighted track ... with member having priority 255"). Run after unweightTracking.
   */
  spreadGroupTracking(): void {
    for (const g of this.t.groups) {
      const members = this.t.instances.filter((i) => ((g.instances as string[] | undefined) ?? []).includes(i.name as string));
      const owner = members.some((m) => m.priority === 255);
      const where = `vrrp_sync_group ${String(g.name)}`;
      for (const key of ['track_interfaces', 'track_scripts', 'track_files'] as const) {
        const refs = key === 'track_interfaces' ? this.interfaceRefs : key === 'track_scripts' ? this.scriptRefs : this.fileRefs;
        for (const entry of (g[key] as unknown[] | undefined) ?? []) {
          const name = entryName(entry);
          const defined = key === 'track_scripts' ? this.t.scripts[name] : key === 'track_files' ? this.t.files[name] : undefined;
          const weight = typeof entry === 'object' ? (entry as Obj).weight : ((defined as Obj | undefined)?.weight ?? (key === 'track_files' ? 1 : 0));
          const at = refs.find((r) => r.owner === g && r.statement.keyword === name)?.statement;
          if (owner && weight && at) {
            const what = key === 'track_interfaces' ? 'interface' : key === 'track_scripts' ? 'script' : 'file';
            this.t.note(at, where, `Keepalived clears the weight of the group's tracked ${what} ${name}, as a member has priority 255 (it logs "Cannot have weighted track ${what} '${name}' with member having priority 255"); so does this import`, 'warning');
          }
          const unweighted = key === 'track_interfaces' ? name : key === 'track_scripts' ? { script: name, weight: 0 } : { file: name, weight: 0 };
          for (const m of members) {
            const have = (m[key] as unknown[] | undefined) ?? [];
            // A copy each: one object in two lists would come out as a YAML alias.
            if (!have.some((e) => entryName(e) === name)) m[key] = [...have, structuredClone(owner ? unweighted : entry)];
          }
        }
        delete g[key];
      }
    }
  }

  /** Keepalived ignores a tracked script or process it has no definition for: so does the import. */
  dropUnknownScripts(): void {
    this.dropUnknown(this.scriptRefs, new Set(Object.keys(this.t.scripts)), 'track_scripts', 'vrrp_script or vrrp_track_process');
    this.dropUnknown(this.fileRefs, new Set(Object.keys(this.t.files)), 'track_files', 'track_file');
  }

  /** Takes each reference to a name not in `known` out of its owner's list (the list goes when empty), with a warning. */
  private dropUnknown(refs: { statement: KStatement; where: string; owner: Obj }[], known: Set<string>, key: string, what: string): void {
    for (const { statement, where, owner } of refs) {
      const name = statement.keyword;
      if (known.has(name)) continue;
      this.t.note(statement, where, `Keepalived ignores "${name}": no ${what} has that name; so does this import`, 'warning');
      const left = ((owner[key] as unknown[] | undefined) ?? []).filter((e) => (typeof e === 'string' ? e : ((e as Obj).script ?? (e as Obj).file)) !== name);
      if (left.length) owner[key] = left;
      else delete owner[key];
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
        case 'rise':
        case 'fall':
          out[s.keyword] = keepalivedNumber(this.t, s, where, SCRIPT_NUMBERS[s.keyword] as NumberRule);
          break;
        case 'weight':
          out.weight = this.weight(s, where, 'the script fails');
          break;
        case 'user':
          out.user = s.args[0];
          break;
        case 'init_fail':
          out.start_down = true;
          break;
        default:
          this.t.untranslated(s, where);
      }
    }
    // Keepalived removes it, and its track_script references are then "not found" (dropped below).
    if (!(out.command as string[] | undefined)?.length) return this.t.note(block, "", `${name} has no script: Keepalived removes it (it logs "No script set for vrrp_script ${name} - removing"); so does this import`, 'warning');
    if (out.user === undefined && this.t.scriptUser) out.user = this.t.scriptUser;
    this.t.scripts[name] = out;
  }

  /** `weight W [reverse]`: W; a reversed weight (added while `when`) is not translated. */
  private weight(s: KStatement, where: string, when: string): number | undefined {
    const weight = keepalivedNumber(this.t, s, where, WEIGHT);
    if (s.args[1] === 'reverse') this.t.untranslated(s, where, `a reversed weight (added while ${when})`);
    return weight;
  }

  /**
   * vrrp_track_process NAME { process PROC; weight W }: a tracking script that looks for a
   * process named PROC (`pgrep -x`, every second). Keepalived hears of process starts and exits
   * from the kernel at once; tandem sees them within a second.
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
          if (s.args.length > 1) this.t.untranslated(s, where, 'process parameters: tandem matches the process name only');
          if (proc && proc.length > 15) this.t.untranslated(s, where, `a process name longer than the kernel's 15-character comm (${proc})`);
          break;
        case 'quorum':
          quorum = numberArg(s);
          break;
        case 'weight':
          out.weight = this.weight(s, where, 'the processes run');
          break;
        case 'delay':
        case 'fork_delay':
        case 'terminate_delay':
          this.t.note(s, where, 'tandem polls the processes every second; this delay is not needed');
          break;
        default:
          this.t.untranslated(s, where);
      }
    }
    if (!proc) {
      this.t.untranslated(block, '', 'no `process` to track');
      return;
    }
    if (quorum !== 1) this.t.untranslated(block, '', `a quorum of ${quorum} processes: tandem tracks one or more`);
    out.command = ['pgrep', '-x', '--', proc];
    this.t.note(block, '', `tracked with \`pgrep -x ${proc}\` every second (Keepalived hears of the process at once)`);
    this.t.scripts[name] = out;
  }

  /**
   * use_vmac [[name] NAME] [MAC] [netlink_notify_msg] [group ID]: a virtual MAC, named NAME or
   * vrrp.VRID. A MAC other than the VRRP one, or a link group, is not translated.
   */
  private useVmac(s: KStatement, where: string, out: Obj): void {
    out.virtual_mac = true;
    const args = [...s.args];
    for (let i = 0; i < args.length; i++) {
      const word = args[i] as string;
      if (word === 'netlink_notify_msg') continue;
      if (word === 'group') {
        this.t.untranslated(s, where, `the link group ${args[i + 1] ?? ''}: tandem makes the virtual MAC in the default group`);
        i += 1;
      } else if (/^([0-9a-f]{2}:){4,5}[0-9a-f]{2}$/i.test(word)) {
        this.t.untranslated(s, where, `the MAC address ${word}: tandem uses the VRRP one, 00:00:5e:00:01:VRID`);
      } else if (word === 'name') {
        out.virtual_mac_interface = args[i + 1];
        i += 1;
      } else {
        out.virtual_mac_interface = word;
      }
    }
  }

  /**
   * track_file NAME { file PATH; weight W [reverse]; init_file [VALUE] [overwrite] } (or its old
   * name vrrp_track_file): a tandem tracked file. A reversed weight is the weight negated.
   */
  trackFile(block: KStatement): void {
    const name = block.args[0] ?? 'unnamed';
    const where = `${block.keyword} ${name}`;
    const out: Obj = {};
    for (const s of block.children ?? []) {
      switch (s.keyword) {
        case 'file':
          out.path = s.args[0];
          break;
        case 'weight': {
          const weight = keepalivedNumber(this.t, s, where, FILE_WEIGHT);
          if (weight !== undefined) out.weight = Math.max(-65535, Math.min(65535, s.args[1] === 'reverse' ? -weight : weight));
          break;
        }
        case 'init_file': {
          const value = s.args[0] !== undefined && s.args[0] !== 'overwrite' ? keepalivedNumber(this.t, s, where, FILE_INIT) : 0;
          out.init = value ?? 0;
          if (s.args.includes('overwrite')) out.init_overwrite = true;
          break;
        }
        default:
          this.t.untranslated(s, where);
      }
    }
    if (typeof out.path !== 'string') {
      this.t.note(block, '', 'Keepalived ignores a track_file without a `file`; so does this import', 'warning');
      return;
    }
    if (!out.path.startsWith('/')) this.t.untranslated(block, '', `a relative file path (${out.path}): give it from /`);
    this.t.files[name] = out;
  }

  instance(block: KStatement): void {
    const name = block.args[0] ?? 'unnamed';
    const where = `vrrp_instance ${name}`;
    const out: Obj = { name };
    const notify: Obj = {};
    const vips: KStatement[] = [];
    let authSeen = false;
    const settings: InstanceSettings = {};
    this.settings.set(out, settings);
    for (const s of block.children ?? []) {
      if (s.keyword in SETTING_KEYS) settings[SETTING_KEYS[s.keyword] as keyof InstanceSettings] = s;
      switch (s.keyword) {
        case 'interface':
          out.interface = s.args[0];
          break;
        case 'virtual_router_id':
          this.vridAt.set(out, s);
          if (/^\d+$/.test(s.args[0] ?? '') && numberArg(s) >= 1 && numberArg(s) <= 255) out.vrid = numberArg(s);
          // Keepalived drops such an instance; tandem's schema then refuses it for want of a vrid.
          else this.t.untranslated(s, where, `"${s.args[0] ?? ''}" is not an integer from 1 to 255 (Keepalived drops the instance): fill it in`);
          break;
        case 'priority':
          out.priority = keepalivedNumber(this.t, s, where, PRIORITY);
          break;
        case 'advert_int':
          out.advert_interval = keepalivedNumber(this.t, s, where, ADVERT_INT);
          break;
        case 'nopreempt':
          out.preempt = false;
          break;
        case 'preempt':
          out.preempt = true;
          break;
        case 'preempt_delay':
          out.preempt_delay = keepalivedNumber(this.t, s, where, PREEMPT_DELAY);
          break;
        case 'unicast_src_ip':
        case 'mcast_src_ip':
          out.source_address = keepalivedAddress(this.t, s, where);
          break;
        case 'unicast_peer':
          out.unicast_peers = (s.children ?? []).flatMap((p) => {
            if (!isIP(p.keyword)) {
              this.t.note(p, where, `Keepalived skips the malformed unicast peer "${p.keyword}"; so does this import`, 'warning');
              return [];
            }
            if (p.args.length) this.t.note(p, where, `options dropped: ${p.args.join(' ')} (tandem checks the peer's advert by its key)`);
            return [p.keyword];
          });
          if (!(out.unicast_peers as string[]).length) delete out.unicast_peers;
          break;
        case 'virtual_ipaddress':
        case 'virtual_ipaddress_excluded':
          vips.push(s);
          break;
        case 'virtual_routes':
          out.routes = [...((out.routes as string[] | undefined) ?? []), ...translateIpList(this.t, s, where, 'route')];
          break;
        case 'virtual_rules':
          out.rules = [...((out.rules as string[] | undefined) ?? []), ...translateIpList(this.t, s, where, 'rule')];
          break;
        case 'track_interface':
        case 'track_script':
        case 'track_file':
          this.trackList(s, where, out);
          break;
        case 'track_process':
          this.scriptRefs.push(...(s.children ?? []).map((statement) => ({ statement, where, owner: out, process: true as const })));
          out.track_scripts = [
            ...((out.track_scripts as unknown[] | undefined) ?? []),
            ...(s.children ?? []).map((t) => (t.args[0] === 'weight' ? { script: t.keyword, weight: Number(t.args[1]) } : t.keyword)),
          ];
          break;
        case 'use_vmac':
          this.useVmac(s, where, out);
          break;
        case 'vmac_xmit_base':
          this.t.note(s, where, "tandem sends the adverts from the instance's interface in any case");
          break;
        case 'dont_track_primary':
          out.track_own_interface = false;
          break;
        case 'smtp_alert':
          out.alert = boolArg(s);
          this.t.firstAlert ??= s;
          break;
        case 'state':
          this.t.note(s, where, `initial state ${s.args[0]} dropped: tandem elects by priority (set the master's priority higher)`);
          break;
        case 'version':
          this.t.note(s, where, VERSION_NOTE);
          break;
        case 'accept':
          this.t.note(s, where, 'not needed: tandem never drops traffic to the VIPs (Keepalived does only with vrrp_strict)');
          break;
        case 'no_accept':
          this.t.differs(s, where, 'tandem never drops traffic to the VIPs');
          break;
        case 'debug':
          this.t.note(s, where, 'not needed: tandem logs at the level TANDEM_LOG_LEVEL gives (info by default; debug for detail)');
          break;
        case 'authentication':
          authSeen = true;
          settings.authType = s.children?.find((c) => c.keyword === 'auth_type');
          this.t.authenticated = true;
          this.t.note(s, where, "Keepalived's auth_pass is not carried over: put a shared key of 16+ bytes in /etc/tandem/key on both directors");
          break;
        case 'lvs_sync_daemon_interface':
          this.t.lvs.syncDaemon({ ...s, args: [s.args[0] ?? '', name] }, this.t.ipvs);
          break;
        default:
          if (s.keyword in NOTIFY_KEYS) {
            notify[NOTIFY_KEYS[s.keyword] as string] = splitCommand(s.args.join(' '));
          } else if (s.keyword in GARP_KEYS) {
            this.instanceGarp(s, where);
          } else {
            this.t.untranslated(s, where);
          }
      }
    }
    if (out.interface === undefined && this.t.defaultInterface) out.interface = this.t.defaultInterface;
    // Its place among the keys; completeInstances gives the value Keepalived derives.
    if (!('priority' in out)) out.priority = undefined;
    const list = vips.flatMap((s) => this.vips(s, where, out.interface as string | undefined, out.virtual_mac === true));
    if (list.length) out.vips = list;
    if (!authSeen) this.t.unauthenticated = true;
    if (Object.keys(notify).length) out.notify = notify;
    this.t.instances.push(out);
  }

  /** tandem's garp settings are global: the first instance's value wins, a different one is noted. */
  instanceGarp(s: KStatement, where: string): void {
    const key = GARP_KEYS[s.keyword] as string;
    const value = keepalivedNumber(this.t, s, where, GARP_NUMBER);
    if (value === undefined) return;
    if (this.t.garp[key] === undefined) this.t.garp[key] = value;
    else if (this.t.garp[key] !== value) this.t.differs(s, where, `tandem's garp.${key} is one value for all instances; keeping ${String(this.t.garp[key])}`);
  }

  vips(block: KStatement, where: string, iface: string | undefined, virtualMac: boolean): string[] {
    const out: string[] = [];
    const seen = new Set<string>();
    for (const v of block.children ?? []) {
      if (!isVip(v.keyword)) {
        this.t.note(v, where, `Keepalived skips "${v.keyword}", which is not an address; so does this import`, 'warning');
        continue;
      }
      const options = vipOptions(v.keyword, v.args);
      // `dev` naming another interface than the instance's: tandem's `ADDRESS dev IF`. With
      // use_vmac, Keepalived would make a second virtual MAC on that interface for it.
      const elsewhere = options.dev !== undefined && options.dev !== iface;
      if (elsewhere && virtualMac) this.t.differs(v, where, `the VIP goes on ${options.dev} itself: Keepalived would give it a virtual MAC of its own there`);
      if (options.label) this.t.note(v, where, `label ${options.label} dropped (a name \`ip addr\` shows; traffic is the same)`);
      const noTrack = options.known.includes('no_track');
      const dropped = options.known.filter((o) => o !== 'no_track');
      if (dropped.length) this.t.differs(v, where, `options dropped: ${dropped.join(' ')}`);
      if (options.unknown.length) this.t.note(v, where, `Keepalived ignores ${options.unknown.map((u) => `"${u}"`).join(', ')} here (not an address option); so does this import`, 'warning');
      const address = v.keyword.includes('/') || !isIPv4(v.keyword) ? v.keyword : `${v.keyword}/32`;
      if (seen.has(address)) {
        this.t.note(v, where, `${v.keyword} is listed twice; kept once`);
        continue;
      }
      seen.add(address);
      out.push([v.keyword, ...(elsewhere ? ['dev', options.dev] : []), ...keptVipOptions(options), ...(noTrack && elsewhere ? ['no_track'] : [])].join(' '));
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
      if (s.keyword === 'group') {
        out.instances = (s.children ?? []).map((m) => m.keyword);
        this.memberRefs.push(...(s.children ?? []).map((statement) => ({ statement, where, owner: out })));
      }
      else if (hook && hook !== 'stop') notify[hook] = splitCommand(s.args.join(' '));
      else if (s.keyword === 'smtp_alert') {
        out.alert = boolArg(s);
        this.t.firstAlert ??= s;
      } else if (s.keyword === 'track_interface' || s.keyword === 'track_script' || s.keyword === 'track_file') {
        this.trackList(s, where, out);
        this.t.note(s, where, 'tracked by every member of the group, as Keepalived does');
      } else if (s.keyword === 'sync_group_tracking_weight') {
        this.weightedGroups.add(out);
        this.t.note(s, where, "the members keep their tracking weights, as in tandem's sync groups (a weight moves every member's priority, once)");
      } else this.t.untranslated(s, where);
    }
    if (Object.keys(notify).length) out.notify = notify;
    if (!(out.instances as string[] | undefined)?.length) {
      this.t.note(block, '', `group ${name} has no members; Keepalived removes it, and so does this import`, 'warning');
      return;
    }
    this.t.groups.push(out);
  }
}

function isIPv4(text: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(text);
}


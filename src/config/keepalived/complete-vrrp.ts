import type { KStatement } from './parse.js';
import type { Obj, Reporter } from './report.js';

/*
 * What Keepalived decides for its VRRP instances once it has read the whole file (vrrp.c:
 * vrrp_complete_instance and the sync group checks after it), decided the same way on the
 * translated instances, each with a warning that quotes what Keepalived logs.
 * test/netns/keepalived-grammar.test.ts holds the warnings against `keepalived -t`.
 */

/** The lines of an instance that Keepalived reconsiders once it has read the whole file. */
export interface InstanceSettings {
  state?: KStatement;
  priority?: KStatement;
  nopreempt?: KStatement;
  preemptDelay?: KStatement;
  advert?: KStatement;
  version?: KStatement;
  authType?: KStatement;
}

export const SETTING_KEYS: Record<string, keyof InstanceSettings> = {
  state: 'state',
  priority: 'priority',
  nopreempt: 'nopreempt',
  preempt_delay: 'preemptDelay',
  advert_int: 'advert',
  version: 'version',
};

/** One tracked interface, script (or process) or file of an instance, with its line. */
export interface TrackRef {
  statement: KStatement;
  where: string;
  owner: Obj;
  process?: true;
}

/**
 * - no priority: 255 with `state MASTER` (the address owner), else 100;
 * - `nopreempt` and `preempt_delay` are cleared with `state MASTER` ("will not work with
 *   initial state MASTER - clearing"), nopreempt with priority 255, and preempt_delay with nopreempt;
 * - the advert interval is rounded: to whole seconds for VRRP version 2 (the default, and the
 *   global vrrp_version), to centiseconds for version 3 (an instance's `version 3`, or IPv6 VIPs);
 * - a track_interface entry naming the instance's own interface is ignored.
 */
export function completeInstance(inst: Obj, set: InstanceSettings, interfaces: TrackRef[], vrrpVersion: number | undefined, r: Reporter): void {
  const where = `vrrp_instance ${String(inst.name)}`;
  const stateMaster = set.state?.args[0] === 'MASTER';
  inst.priority ??= stateMaster ? 255 : 100;
  // AH authentication turns a MASTER that is no address owner into a BACKUP first.
  const master = stateMaster && !(/^ah$/i.test(set.authType?.args[0] ?? '') && inst.priority !== 255);
  if (stateMaster && set.state && !set.priority) r.note(set.state, where, 'no priority: Keepalived gives an instance whose initial state is MASTER priority 255 (the address owner), and so does this import');
  const clear = (at: KStatement | undefined, key: string, message: string) => {
    if (!at || inst[key] === undefined) return;
    delete inst[key];
    r.note(at, where, `${message}; so does this import`, 'warning');
  };
  // In Keepalived's order: the owner's nopreempt first, then what state MASTER clears.
  if (inst.priority === 255 && inst.preempt === false) clear(set.nopreempt, 'preempt', 'Keepalived clears nopreempt at priority 255, the address owner (it logs "nopreempt is incompatible with priority 255. resetting nopreempt"): the instance preempts');
  if (master) {
    if (inst.preempt === false) clear(set.nopreempt, 'preempt', 'Keepalived clears nopreempt with initial state MASTER (it logs "nopreempt will not work with initial state MASTER - clearing"): the instance preempts');
    clear(set.preemptDelay, 'preempt_delay', 'Keepalived clears preempt_delay with initial state MASTER (it logs "preempt delay will not work with initial state MASTER - clearing")');
  }
  if (inst.preempt === false) clear(set.preemptDelay, 'preempt_delay', 'Keepalived clears preempt_delay with nopreempt (it logs "preempt_delay is incompatible with nopreempt mode - resetting")');
  roundAdvert(inst, set, vrrpVersion ?? 2, where, r);
  for (const { statement } of interfaces) if (statement.keyword === inst.interface) dropOwnInterface(inst, statement, where, r);
}

function roundAdvert(inst: Obj, set: InstanceSettings, globalVersion: number, where: string, r: Reporter): void {
  const advert = inst.advert_interval;
  if (typeof advert !== 'number' || !set.advert) return;
  const v6 = ((inst.vips as string[] | undefined) ?? []).some((v) => v.split(/[\s/]/)[0]?.includes(':'));
  const own = set.version && /^[23]$/.test(set.version.args[0] ?? '') ? Number(set.version.args[0]) : undefined;
  const version = own ?? (v6 ? 3 : globalVersion);
  // Keepalived adds half a unit and cuts to the unit (in microseconds, so no float rounding).
  const unit = version === 2 ? 1_000_000 : 10_000;
  const us = Math.round(advert * 1_000_000);
  const max = version === 2 ? 255 * 1_000_000 : 4095 * 10_000;
  const rounded = Math.min(max, Math.max(unit, us % unit ? us + unit / 2 - ((us + unit / 2) % unit) : us));
  if (rounded === us) return;
  inst.advert_interval = rounded / 1_000_000;
  const words = version === 2 ? 'must be an integer. rounding' : 'must be in units of 10ms - rounding';
  r.note(set.advert, where, `Keepalived runs VRRP version ${version} here, whose advert interval ${words}: ${String(advert)} s becomes ${String(inst.advert_interval)} s; so does this import`, 'warning');
}

/** Keepalived ignores a track_interface entry that is the instance's own interface (tracked as such, or not with dont_track_primary). */
function dropOwnInterface(inst: Obj, statement: KStatement, where: string, r: Reporter): void {
  rewrite(inst, 'track_interfaces', statement.keyword, undefined);
  r.note(statement, where, `Keepalived ignores a tracked interface that is the instance's own (it logs "Ignoring track_interface ${statement.keyword} since own interface"); so does this import`, 'warning');
}

/** The name of a tracked interface, script or file entry (a name, or an object with its weight). */
export const entryName = (e: unknown): string => (typeof e === 'string' ? e : ((e as Obj).interface ?? (e as Obj).script ?? (e as Obj).file)) as string;

function find(owner: Obj, key: string, name: string): unknown {
  return ((owner[key] as unknown[] | undefined) ?? []).find((e) => entryName(e) === name);
}

/** Replaces the entry `name` of the owner's list `key` with `to` (or takes it out); an empty list goes. */
function rewrite(owner: Obj, key: string, name: string, to: unknown): void {
  const list = ((owner[key] as unknown[] | undefined) ?? []).flatMap((e) => (entryName(e) === name ? (to === undefined ? [] : [to]) : [e]));
  if (list.length) owner[key] = list;
  else delete owner[key];
}

/**
 * Keepalived takes no tracking weights from a member of a sync group without
 * sync_group_tracking_weight (`groups` are those) nor from an address owner (priority 255), and
 * logs "ignoring ... due to SYNC group": a weighted tracked interface counts unweighted (down is
 * a fault; an owner's is not tracked at all), a weighted script is not tracked, and a file
 * counts unweighted at the default weight and is not tracked at any other.
 */
export function unweightTracking(instances: Obj[], groups: Obj[], refs: { interfaces: TrackRef[]; scripts: TrackRef[]; files: TrackRef[] }, defined: { scripts: Obj; files: Obj }, r: Reporter): void {
  const why = new Map<Obj, { reason: string; log: string }>();
  for (const g of groups) {
    for (const name of (g.instances as string[] | undefined) ?? []) {
      const inst = instances.find((i) => i.name === name);
      if (inst) why.set(inst, { reason: `a member of sync group ${String(g.name)}, which has no sync_group_tracking_weight`, log: 'SYNC group' });
    }
  }
  for (const inst of instances) if (inst.priority === 255) why.set(inst, { reason: 'the address owner (priority 255)', log: 'address_owner' });
  const dueTo = (owner: Obj) => `due to ${(why.get(owner) as { log: string }).log}`;
  const warn = (statement: KStatement, where: string, owner: Obj, what: string, logged: string) =>
    r.note(statement, where, `Keepalived ${what} of an instance that is ${(why.get(owner) as { reason: string }).reason} (it logs "${logged}"); so does this import`, 'warning');
  for (const { statement, where, owner } of refs.interfaces) {
    const entry = find(owner, 'track_interfaces', statement.keyword);
    if (!why.has(owner) || typeof entry !== 'object' || !(entry as Obj).weight) continue;
    const owns = owner.priority === 255;
    rewrite(owner, 'track_interfaces', statement.keyword, owns ? undefined : statement.keyword);
    const what = owns ? `does not track the weighted interface ${statement.keyword}` : `ignores the weight of the tracked interface ${statement.keyword} (down faults the instance)`;
    // Keepalived's own words differ here: "weight " for a sync group, "address owner" with a space.
    warn(statement, where, owner, what, owns ? `ignoring ${statement.keyword} tracked interface due to address owner` : `ignoring ${statement.keyword} tracked interface weight due to SYNC group`);
  }
  for (const { statement, where, owner, process } of refs.scripts) {
    const entry = find(owner, 'track_scripts', statement.keyword);
    if (!why.has(owner) || process || entry === undefined) continue;
    const weight = typeof entry === 'string' ? ((defined.scripts[entry] as Obj | undefined)?.weight ?? 0) : (entry as Obj).weight;
    if (!weight) continue;
    rewrite(owner, 'track_scripts', statement.keyword, undefined);
    warn(statement, where, owner, `does not track the script ${statement.keyword} (weight ${String(weight)}; weight 0 would make its failure a fault)`, `ignoring tracked script ${statement.keyword} with weights ${dueTo(owner)}`);
  }
  for (const { statement, where, owner } of refs.files) {
    const entry = find(owner, 'track_files', statement.keyword);
    if (!why.has(owner) || entry === undefined) continue;
    const weight = typeof entry === 'string' ? ((defined.files[entry] as Obj | undefined)?.weight ?? 1) : (entry as Obj).weight;
    if (weight === 0) continue;
    rewrite(owner, 'track_files', statement.keyword, weight === 1 ? { file: statement.keyword, weight: 0 } : undefined);
    if (weight === 1) warn(statement, where, owner, `tracks the file ${statement.keyword} unweighted (any value but 0 is a fault)`, `ignoring weight from tracked file ${statement.keyword} ${dueTo(owner)}`);
    else warn(statement, where, owner, `does not track the file ${statement.keyword} (weight ${String(weight)})`, `ignoring tracked file ${statement.keyword} with weight ${String(weight)} ${dueTo(owner)}`);
  }
}

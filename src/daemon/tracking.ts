import type { Config, InstanceConfig } from '../config/schema.js';
import { instanceVips } from '../config/vip.js';

/** What tracked things (interfaces, scripts) do to an instance: a priority and a fault list. */
export interface Tracked {
  name: string;
  up: boolean;
  /** Keepalived semantics: >0 adds while up, <0 subtracts while down, 0 means FAULT while down. */
  weight: number;
  /** Why it is down, for the fault list (default: "NAME down"). */
  why?: string;
  /** Added to the priority whatever `up` says (a tracked file's value × weight). */
  delta?: number;
}

export function trackedEffect(base: number, tracked: Tracked[]): { priority: number; faults: string[] } {
  let priority = base;
  const faults: string[] = [];
  for (const t of tracked) {
    if (t.delta !== undefined) {
      priority += t.delta;
    } else if (t.weight === 0) {
      if (!t.up) faults.push(t.why ?? `${t.name} down`);
    } else if (t.weight > 0 && t.up) {
      priority += t.weight;
    } else if (t.weight < 0 && !t.up) {
      priority += t.weight;
    }
  }
  return { priority, faults };
}

/**
 * In a sync group the members rise and fall together, so a weighted tracked thing of one member
 * weighs on all of them (counted once when several track it). Were it to lower one member only,
 * the others would still outrank the peer's members, take their group back by preemption, and
 * the group would flap between the directors. Faults (weight 0) stay with their member: the
 * sync group turns one member's fault into the group's (pure).
 */
export function groupTracked(own: Map<string, Tracked[]>, groups: string[][]): Map<string, Tracked[]> {
  const out = new Map(own);
  for (const members of groups) {
    const weighted = members.flatMap((name) => (own.get(name) ?? []).filter((t) => t.weight !== 0));
    for (const name of members) {
      const list = [...(own.get(name) ?? [])];
      for (const t of weighted) if (!list.some((mine) => mine.name === t.name)) list.push(t);
      out.set(name, list);
    }
  }
  return out;
}

/** What the tracked things of a config read now: links, scripts, services' quorum. */
export interface TrackingInputs {
  /** Why the interface is down, or undefined when it is up. */
  linkDown(iface: string): string | undefined;
  scriptUp(name: string): boolean;
  hasQuorum(service: string): boolean;
  /** A tracked file's value (0 until read). */
  fileValue(name: string): number;
}

/**
 * What a tracked file's value does with a weight (pure), as Keepalived's track_file: with weight
 * 0, any value but 0 is a fault; otherwise value × weight, within -254..253, is added to the
 * priority, and -254 (or less) is a fault.
 */
export function trackedFile(name: string, value: number, weight: number): Tracked {
  const label = `file ${name}`;
  if (weight === 0) return { name: label, up: value === 0, weight: 0, why: `${label} holds ${value}, not 0` };
  const status = Math.min(253, Math.max(-254, value * weight));
  if (status === -254) return { name: label, up: false, weight: 0, why: `${label} holds ${value}: ${value} × ${weight} is -254 or less` };
  return { name: label, up: true, weight, delta: status };
}

/** Every instance's effective priority and faults from what it tracks (pure). */
export function trackInstances(config: Config, inputs: TrackingInputs): Map<string, { priority: number; faults: string[] }> {
  const own = new Map<string, Tracked[]>();
  for (const inst of config.instances) {
    const link = (name: string, weight: number): Tracked => ({ name, up: !inputs.linkDown(name), weight, why: inputs.linkDown(name) });
    own.set(inst.name, [
      ...(inst.track_own_interface ? [link(inst.interface, 0)] : []),
      ...vipInterfaces(inst).map((name) => link(name, 0)),
      ...inst.track_interfaces.map((t) => (typeof t === 'string' ? link(t, 0) : link(t.interface, t.weight))),
      ...inst.track_scripts.map((t) => {
        const name = trackedScriptName(t);
        return { name: `script ${name}`, up: inputs.scriptUp(name), weight: typeof t === 'string' ? (config.scripts[name]?.weight ?? 0) : t.weight };
      }),
      ...inst.track_files.map((t) => {
        const name = typeof t === 'string' ? t : t.file;
        return trackedFile(name, inputs.fileValue(name), typeof t === 'string' ? (config.files[name]?.weight ?? 1) : t.weight);
      }),
      ...inst.track_services.map((t) => {
        const name = typeof t === 'string' ? t : t.service;
        return { name: `service ${name}`, up: inputs.hasQuorum(name), weight: typeof t === 'string' ? 0 : t.weight, why: `service ${name} below its quorum` };
      }),
    ]);
  }
  const tracked = groupTracked(own, config.sync_groups.map((g) => g.instances));
  return new Map(config.instances.map((inst) => [inst.name, trackedEffect(inst.priority, tracked.get(inst.name) ?? [])]));
}

/** The interfaces a config's instances use or track. */
export function trackedInterfaces(config: Config): string[] {
  return [...new Set(config.instances.flatMap((i) => [i.interface, ...vipInterfaces(i), ...i.track_interfaces.map((t) => (typeof t === 'string' ? t : t.interface))]))];
}

/**
 * The other interfaces an instance's VIPs go on (`dev`), tracked as its own is: down means
 * FAULT, since the master could not serve those VIPs (Keepalived does the same), unless the
 * VIP says `no_track`.
 */
export function vipInterfaces(inst: InstanceConfig): string[] {
  return [...new Set(instanceVips(inst).filter((v) => v.track && v.dev !== undefined && v.dev !== inst.interface).map((v) => v.dev as string))];
}

export function trackedScriptName(t: InstanceConfig['track_scripts'][number]): string {
  return typeof t === 'string' ? t : t.script;
}

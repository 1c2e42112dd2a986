import { serverLabel } from '../check/build.js';
import type { Config, InstanceConfig, RealServerConfig, VirtualServiceConfig } from './schema.js';
import { serviceName } from './service-name.js';

/*
 * What a reload changes (pure): old and new config in, the pieces to apply out, each with the
 * words the reload's log line uses. An instance whose VRRP identity is unchanged keeps its
 * state and timers; only what changed is touched.
 */

export interface InstanceChange {
  name: string;
  changes: string[];
}

export interface ConfigDiff {
  /** Changes only a restart applies: a reload that has one is refused whole. */
  needsRestart: string[];
  /** moved: to another interface or source address, state kept (the VIPs follow a master). */
  instances: { added: string[]; removed: string[]; restarted: InstanceChange[]; moved: InstanceChange[]; reconfigured: InstanceChange[] };
  scripts: NamedChanges;
  files: NamedChanges;
  syncGroups: boolean;
  garp: boolean;
  auth: boolean;
  ipvs: string[];
  services: string[];
  health: boolean;
  /** static_addresses, static_routes or static_rules changed. */
  statics: boolean;
  /** One line per change, for the log and `tandem reload`. */
  summary: string[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Settings that make an instance a different VRRP router: a change restarts the instance. */
const IDENTITY = ['vrid', 'advert_interval', 'virtual_mac', 'virtual_mac_interface'] as const;
/** Where the instance lives: a change moves it there, state kept. */
const PLACE = ['interface', 'source_address'] as const;

const change = <K extends keyof InstanceConfig>(a: InstanceConfig, b: InstanceConfig, keys: readonly K[]): string[] =>
  keys.filter((k) => !same(a[k], b[k])).map((k) => `${k} ${String(a[k] ?? '-')} -> ${String(b[k] ?? '-')}`);

function instanceChange(a: InstanceConfig, b: InstanceConfig): { restart: string[]; move: string[]; reconfigure: string[] } {
  const restart = change(a, b, IDENTITY);
  if ((a.priority === 255) !== (b.priority === 255)) restart.push(`priority ${a.priority} -> ${b.priority} (address owner)`);
  // A virtual MAC is made on its interface: on another one it is made anew, which a move cannot do.
  if ((a.virtual_mac || b.virtual_mac) && a.interface !== b.interface) restart.push(`interface ${a.interface} -> ${b.interface} (virtual MAC)`);
  const reconfigure: string[] = [];
  if (!restart.length && a.priority !== b.priority) reconfigure.push(`priority ${a.priority} -> ${b.priority}`);
  const added = b.vips.filter((v) => !a.vips.includes(v));
  const removed = a.vips.filter((v) => !b.vips.includes(v));
  if (added.length || removed.length) reconfigure.push(`VIPs ${[...added.map((v) => `+${v}`), ...removed.map((v) => `-${v}`)].join(' ')}`);
  for (const k of ['preempt', 'preempt_delay', 'unicast_peers', 'routes', 'rules', 'track_interfaces', 'track_own_interface', 'track_scripts', 'track_files', 'track_services', 'notify', 'alert'] as const) {
    if (!same(a[k], b[k])) reconfigure.push(k);
  }
  return { restart, move: change(a, b, PLACE), reconfigure };
}

function byName<T>(list: T[], name: (t: T) => string): Map<string, T> {
  return new Map(list.map((t) => [name(t), t]));
}

/**
 * Past this many changed real servers in one service, the words give the counts: a reload of
 * thousands of servers must not make a summary (logged, kept in status) of thousands of lines.
 */
const ITEMIZED_SERVERS = 20;

function serverChanges(service: string, a: RealServerConfig[], b: RealServerConfig[]): string[] {
  const olds = byName(a, serverLabel);
  const news = byName(b, serverLabel);
  const removed = [...olds.keys()].filter((s) => !news.has(s)).map((s) => `service ${service}: real server ${s} removed`);
  const added: string[] = [];
  const changed: string[] = [];
  let changedServers = 0;
  for (const [s, rs] of news) {
    const was = olds.get(s);
    if (!was) added.push(`service ${service}: real server ${s} added`);
    else {
      const keys = (Object.keys({ ...was, ...rs }) as (keyof RealServerConfig)[]).filter((key) => !same(was[key], rs[key]));
      if (keys.length) changedServers += 1;
      changed.push(...keys.map((key) => (key === 'weight' ? `service ${service}: ${s} weight ${was.weight} -> ${rs.weight}` : `service ${service}: ${s} ${key} changed`)));
    }
  }
  if (removed.length + added.length + changed.length <= ITEMIZED_SERVERS) return [...removed, ...added, ...changed];
  return [`service ${service}: ${added.length} real servers added, ${removed.length} removed, ${changedServers} changed`];
}

/** What changed in the virtual services, server by server (counted, past a few), in words. */
export function changesInServices(a: VirtualServiceConfig[], b: VirtualServiceConfig[]): string[] {
  const out: string[] = [];
  const olds = byName(a, serviceName);
  const news = byName(b, serviceName);
  for (const name of olds.keys()) if (!news.has(name)) out.push(`service ${name} removed`);
  for (const [name, vs] of news) {
    const old = olds.get(name);
    if (!old) {
      out.push(`service ${name} added (${vs.real_servers.length} real servers)`);
      continue;
    }
    const { real_servers: rsA, ...restA } = old;
    const { real_servers: rsB, ...restB } = vs;
    for (const key of Object.keys({ ...restA, ...restB }) as (keyof typeof restA)[]) {
      if (!same(restA[key], restB[key])) out.push(`service ${name}: ${key} changed`);
    }
    out.push(...serverChanges(name, rsA, rsB));
  }
  return out;
}

/**
 * `serviceChanges`: the service changes already compared elsewhere (the daemon's services thread
 * holds the real-server lists; its main thread keeps the services without them).
 */
export function diffConfigs(a: Config, b: Config, serviceChanges?: string[]): ConfigDiff {
  const needsRestart: string[] = [];
  if (!same(a.transport, b.transport)) needsRestart.push('transport');
  // takeover_grace applies at the next takeover: the rest needs the sync daemon restarted.
  const daemonOf = (c: Config) => (c.ipvs.sync_daemon ? { ...c.ipvs.sync_daemon, takeover_grace: undefined } : undefined);
  if (!same(daemonOf(a), daemonOf(b))) needsRestart.push('ipvs.sync_daemon');
  const instances: ConfigDiff['instances'] = { added: [], removed: [], restarted: [], moved: [], reconfigured: [] };
  const olds = byName(a.instances, (i) => i.name);
  const news = byName(b.instances, (i) => i.name);
  for (const name of olds.keys()) if (!news.has(name)) instances.removed.push(name);
  for (const [name, inst] of news) {
    const old = olds.get(name);
    if (!old) {
      instances.added.push(name);
      continue;
    }
    const { restart, move, reconfigure } = instanceChange(old, inst);
    if (restart.length) instances.restarted.push({ name, changes: [...restart, ...move] });
    else if (move.length) instances.moved.push({ name, changes: [...move, ...reconfigure] });
    else if (reconfigure.length) instances.reconfigured.push({ name, changes: reconfigure });
  }
  const scripts = namedChanges(a.scripts, b.scripts);
  const files = namedChanges(a.files, b.files);
  const ipvs = (['exclusive', 'repair_interval', 'timeouts', 'sync_daemon', 'sloppy_tcp', 'expire_nodest_conn'] as const).filter((k) => !same(a.ipvs[k], b.ipvs[k]));
  const services = serviceChanges ?? changesInServices(a.virtual_services, b.virtual_services);
  const diff: ConfigDiff = {
    needsRestart,
    instances,
    scripts,
    files,
    syncGroups: !same(a.sync_groups, b.sync_groups),
    garp: !same(a.garp, b.garp),
    auth: !same(a.auth, b.auth),
    ipvs: ipvs.map(String),
    services,
    health: !same(a.health, b.health),
    statics: (['static_addresses', 'static_routes', 'static_rules'] as const).some((k) => !same(a[k], b[k])),
    summary: [],
  };
  diff.summary = summarize(diff);
  return diff;
}

export interface NamedChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

/** The entries of a name-keyed map (scripts, files) added, removed and changed. */
function namedChanges<T>(a: Record<string, T>, b: Record<string, T>): NamedChanges {
  const out: NamedChanges = { added: [], removed: [], changed: [] };
  for (const name of Object.keys(a)) if (!(name in b)) out.removed.push(name);
  for (const [name, value] of Object.entries(b)) {
    if (!(name in a)) out.added.push(name);
    else if (!same(a[name], value)) out.changed.push(name);
  }
  return out;
}

function summarize(d: ConfigDiff): string[] {
  const out: string[] = [];
  for (const n of d.instances.added) out.push(`instance ${n} added`);
  for (const n of d.instances.removed) out.push(`instance ${n} removed`);
  for (const c of d.instances.restarted) out.push(`instance ${c.name} restarted: ${c.changes.join(', ')}`);
  for (const c of d.instances.moved) out.push(`instance ${c.name} moved: ${c.changes.join(', ')}`);
  for (const c of d.instances.reconfigured) out.push(`instance ${c.name}: ${c.changes.join(', ')}`);
  for (const [kind, names] of Object.entries(d.scripts)) for (const n of names) out.push(`script ${n} ${kind}`);
  for (const [kind, names] of Object.entries(d.files)) for (const n of names) out.push(`tracked file ${n} ${kind}`);
  if (d.syncGroups) out.push('sync groups changed');
  if (d.garp) out.push('garp settings changed');
  if (d.auth) out.push('advert authentication changed');
  for (const k of d.ipvs) out.push(`ipvs.${k} changed`);
  if (d.health) out.push('health settings changed');
  if (d.statics) out.push('static addresses, routes or rules changed');
  out.push(...d.services);
  for (const r of d.needsRestart) out.push(`${r} changed (only a restart applies it)`);
  return out;
}

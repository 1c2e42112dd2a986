import os from 'node:os';
import type { CheckSpec } from '../check/build.js';
import type { Checker } from '../check/types.js';
import { systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { NetlinkIpvsDriver } from '../ipvs/netlink-driver.js';
import type { IpvsDriver } from '../ipvs/driver.js';
import { ArpingAnnouncer } from '../net/garp.js';
import type { Announcer } from '../net/garp.js';
import { LinkWatcher } from '../net/link.js';
import { RtnetlinkAddressWatch } from '../net/address-events.js';
import type { AddressWatch } from '../net/address-events.js';
import { BirdAnnouncer } from '../net/bird.js';
import type { RouteAnnouncer } from '../net/bird.js';
import { kernelForwards } from '../net/forwarding.js';
import { IptablesFullNat } from '../net/fullnat.js';
import type { FullNat } from '../net/fullnat.js';
import { IpVipManager } from '../net/vips.js';
import { IpVirtualMacs } from '../net/vmac.js';
import type { VirtualMacs } from '../net/vmac.js';
import type { VipManager } from '../net/vips.js';
import { IptablesTakeoverGrace } from '../net/takeover-grace.js';
import type { TakeoverGrace } from '../net/takeover-grace.js';
import type { ReplayState } from '../vrrp/replay.js';
import { UdpTransport } from '../vrrp/transport.js';
import type { AdvertTransport, TransportOptions } from '../vrrp/transport.js';
import { SmtpAlerts } from '../observe/alerts.js';
import type { Alerts } from '../observe/alerts.js';
import { IpCommandObjects } from '../net/ip-objects.js';
import type { IpObjects } from '../net/ip-objects.js';
import { HookRunner } from './hooks.js';
import type { Hooks } from './hooks.js';
import { runScript } from './script-tracker.js';
import type { ScriptRun } from './script-tracker.js';

/** Watches links; reports each interface once at start, then its changes. */
export interface LinkWatch {
  start(): Promise<void>;
  stop(): void;
}

/**
 * What the director keeps across restarts: the VIPs it held (per interface), the drains, and
 * the replay guard's newest (epoch, sequence) per sender.
 */
export interface Store {
  readLedger(): Promise<Record<string, string[]>>;
  writeLedger(ledger: Record<string, string[]>): Promise<void>;
  readDrains(): Promise<string[]>;
  writeDrains(keys: string[]): Promise<void>;
  readReplay(): Promise<ReplayState>;
  writeReplay(state: ReplayState): Promise<void>;
}

/**
 * Everything the director touches outside itself. Production passes the system's (sockets,
 * `ip`, `arping`, `ipvsadm`, sysfs, timers); the simulator passes its own, and then a whole pair
 * runs the real director, VRRP and reload code on a simulated network and clock.
 */
export interface Seams {
  clock: Clock;
  openTransport(options: TransportOptions): Promise<AdvertTransport>;
  vips: VipManager;
  announcer: Announcer;
  ipvs: IpvsDriver;
  /** The takeover grace's packet filter (none in the simulator). */
  grace?: TakeoverGrace;
  /** Cluster mode's BGP speaker, for the config's `announce.bird` (none in the simulator). */
  routeAnnouncer?: (bird: { file: string; socket: string; protocol: string }) => RouteAnnouncer;
  /** The routes and rules of `routes`, `rules`, `static_routes` and `static_rules` (none in the simulator). */
  ipObjects?: IpObjects;
  /** Full NAT's source NAT rules (none in the simulator). */
  fullnat?: FullNat;
  /** Whether the kernel forwards IPv4 (none in the simulator). */
  forwarding?: () => Promise<boolean>;
  /** Virtual MAC interfaces (virtual_mac; none in the simulator, whose VIPs go on the named interface). */
  vmacs?: VirtualMacs;
  watchLinks(ifaces: string[], onChange: (iface: string, down: string | undefined) => void): LinkWatch;
  /** Says when the host's addresses or links change (none: the periodic look alone). */
  watchAddresses?(onChange: (noticedBy: string) => void, onError: (err: Error) => void): AddressWatch;
  /** The interface's own addresses (IPv4 and IPv6), in the order the system lists them. */
  addresses(iface: string): { family: 4 | 6; address: string }[];
  runScript: ScriptRun;
  hooks: Hooks;
  /** Alert mail (instances, groups and services with `alert: true`). */
  alerts: Alerts;
  store: Store;
  /** Builds a health check (the system's TCP, HTTP, MySQL and script checks by default). */
  buildCheck?: (spec: CheckSpec) => Promise<Checker>;
  /** Spreads the first health checks over their interval (Math.random by default). */
  random?: () => number;
}

export function systemSeams(store: Store, overrides: { vips?: VipManager; announcer?: Announcer; ipvs?: IpvsDriver } = {}): Seams {
  return {
    clock: systemClock,
    openTransport: (options) => UdpTransport.open(options),
    vips: overrides.vips ?? new IpVipManager(),
    announcer: overrides.announcer ?? new ArpingAnnouncer(),
    ipvs: overrides.ipvs ?? new NetlinkIpvsDriver(),
    grace: new IptablesTakeoverGrace(),
    vmacs: new IpVirtualMacs(),
    fullnat: new IptablesFullNat(),
    forwarding: kernelForwards,
    ipObjects: new IpCommandObjects(),
    routeAnnouncer: (bird) => new BirdAnnouncer(bird),
    watchLinks: (ifaces, onChange) => new LinkWatcher(ifaces, onChange),
    watchAddresses: (onChange, onError) => new RtnetlinkAddressWatch(onChange, onError),
    addresses: (iface) => (os.networkInterfaces()[iface] ?? []).map((a) => ({ family: a.family === 'IPv6' ? 6 : 4, address: a.address })),
    runScript,
    hooks: new HookRunner(),
    alerts: new SmtpAlerts(),
    store,
  };
}

import type { Logger } from 'pino';
import type { Config, InstanceConfig } from '../config/schema.js';
import type { InstanceVip, Vip } from '../config/vip.js';
import { instanceVips, vipText, vipsByInterface } from '../config/vip.js';
import { vipInterface } from '../net/vmac.js';
import type { Announcer } from '../net/garp.js';
import type { IpObjects } from '../net/ip-objects.js';
import { instanceRouting, minusRouting, sameSpecs } from './routing.js';
import type { Routing } from './routing.js';
import type { VipManager } from '../net/vips.js';
import type { Advert, AdvertKind, Auth } from '../vrrp/advert.js';
import { encodeAdvert } from '../vrrp/codec.js';
import type { Action, Event, Machine, VrrpState } from '../vrrp/machine.js';
import { createMachine, masterDownMs, nextDeadline, step } from '../vrrp/machine.js';
import { peerLifetimeMs } from '../vrrp/timers.js';
import type { Clock } from '../clock.js';
import type { AdvertTransport } from '../vrrp/transport.js';
import { GarpRounds } from './garp-rounds.js';
import type { GarpSettings } from './garp-rounds.js';
import type { Hooks } from './hooks.js';
import type { InstanceStatus } from './instance-status.js';

export type { InstanceStatus, PeerStatus } from './instance-status.js';

export interface InstanceDeps {
  transport: Pick<AdvertTransport, 'send'>;
  vips: VipManager;
  announcer: Announcer;
  /** The routes and rules a master holds with its VIPs (none in the simulator). */
  ipObjects?: IpObjects;
  hooks: Hooks;
  auth: Auth;
  epoch: number;
  garp: GarpSettings;
  log: Logger;
  clock: Clock;
  onTransition: (instance: InstanceRunner, from: VrrpState, to: VrrpState) => void;
  /** Opens the takeover grace for VIPs being taken over, as they are added (GraceControl.open; never rejects). */
  openGrace?: (vips: Vip[]) => Promise<void>;
  /** Why our sync group forbids a takeover by our own timer now (see SyncGroups.holdFor). */
  groupHold?: (instance: InstanceRunner) => string | undefined;
  /** Its own faults changed outside tracking (its source address): its sync group must know. */
  ownFaultsChanged?: (instance: InstanceRunner) => void;
}

/**
 * The runtime of one VRRP instance: feeds events to the pure machine and performs its actions.
 * Address changes run one after another on a queue, so a remove never overtakes an add.
 */
export class InstanceRunner {
  private machine: Machine;
  private seq = 0;
  private epoch: number;
  private timer?: unknown;
  private queue: Promise<void> = Promise.resolve();
  /** VIP adds queued or running: adverts wait for them. */
  private vipsAdding = 0;
  /** The notify hooks of transitions, started once their VIP work is done. */
  private notifyPending: (() => void)[] = [];
  private readonly garps: GarpRounds;
  private lastAdvertAt?: number;
  private readonly faultSources = new Map<string, string[]>();
  private vips: InstanceVip[];
  /** Its routes and rules, as argument lists. */
  private routing: Routing;
  /** A takeover in this step: the routes and rules go in once its other actions are queued. */
  private routingDue = false;
  /** VIPs a reload took away (with the interface they were on), until the master has removed them. */
  private retired: { iface: string; vip: InstanceVip }[] = [];
  private transitions = 0;
  private stateSince: number | null = null;
  private advertsSent = 0;
  private masterChanges = 0;
  private onReleased?: () => void;
  /** VIPs of a MASTER that the kernel did not have at the last look (see verifyHost). */
  private missing: string[] = [];
  /** A repair is queued or running. */
  private repairing = false;
  private repairs = 0;
  readonly log: Logger;

  /**
   * `resume`: the (epoch, sequence) its VRID's previous runner in this process reached, when a
   * reload restarts the instance: the peers' replay guards would refuse a sequence from 1 again.
   */
  constructor(
    private current: InstanceConfig,
    private addressNow: string,
    private readonly deps: InstanceDeps,
    resume?: { epoch: number; seq: number },
  ) {
    const config = current;
    this.vips = instanceVips(config);
    this.routing = instanceRouting(config);
    this.epoch = resume?.epoch ?? deps.epoch;
    this.seq = resume?.seq ?? 0;
    this.log = deps.log.child({ instance: config.name, vrid: config.vrid });
    this.garps = new GarpRounds(deps, this.log, () => this.places());
    this.machine = createMachine({
      vrid: config.vrid,
      address: addressNow,
      priority: config.priority,
      intervalCs: Math.round(config.advert_interval * 100),
      preempt: config.preempt,
      preemptDelayMs: config.preempt_delay * 1000,
      vips: this.vips.map((v) => v.address).sort(),
    });
  }

  get name(): string {
    return this.current.name;
  }

  get vrid(): number {
    return this.current.vrid;
  }

  get config(): InstanceConfig {
    return this.current;
  }

  /**
   * A reload's new settings for this instance, when its VRRP identity (vrid, advert interval,
   * owner priority) is unchanged: state and timers stay; a master adds or removes just the VIPs
   * that changed. The daemon applies the new priority through tracking.
   */
  reconfigure(config: InstanceConfig): void {
    const before = this.places();
    const routingBefore = this.routing;
    this.current = config;
    this.vips = instanceVips(config);
    this.routing = instanceRouting(config);
    // A master's routes and rules follow the reload: those gone first, then the new ones.
    if (this.vipsHeld && !sameSpecs(routingBefore, this.routing)) {
      const now = this.routing;
      this.enqueue('change routes', async () => {
        await this.removeRouting(minusRouting(routingBefore, now));
        await this.addRouting(minusRouting(now, routingBefore));
      });
    }
    const wasOn = new Map(before.flatMap((g) => g.vips.map((v) => [v.address, g.iface] as const)));
    this.retired = before.flatMap((g) => g.vips.filter((old) => !this.vips.some((v) => v.address === old.address)).map((vip) => ({ iface: g.iface, vip })));
    this.prepare();
    // A VIP kept at another interface (its `dev` changed, or the instance moved): a master adds
    // it there before it takes it off the old one, then announces it.
    const moved = this.places().flatMap((g) => g.vips.filter((v) => wasOn.has(v.address) && wasOn.get(v.address) !== g.iface).map((vip) => ({ to: g.iface, from: wasOn.get(vip.address) as string, vip })));
    if (this.vipsHeld && moved.length) {
      const signal = this.garps.signal;
      const vips = moved.map((m) => m.vip);
      this.enqueue('move VIPs', async () => {
        await this.addVips(vips);
        for (const { iface, vips: list } of groupBy(moved.map((m) => ({ iface: m.from, vip: m.vip })))) await this.deps.vips.remove(iface, list);
        this.log.info({ moved: moved.map((m) => ({ vip: m.vip.address, from: m.from, to: m.to })) }, `VIPs moved: ${moved.map((m) => `${m.vip.address} from ${m.from} to ${m.to}`).join(', ')}`);
      });
      this.enqueue('garp', () => this.garps.announce(this.deps.garp.repeat, signal, vips));
    }
    this.feed({ type: 'configure', preempt: config.preempt, preemptDelayMs: config.preempt_delay * 1000, vips: this.vips.map((v) => v.address) });
  }

  private get hasRouting(): boolean {
    return this.routing.routes.length + this.routing.rules.length > 0;
  }

  /** Our advert source address (it changes when a reload moves the instance). */
  get address(): string {
    return this.addressNow;
  }

  /**
   * A reload moved the instance to another interface or source address: state and timers stay;
   * a master's VIPs go to the new interface (added there before they leave the old one) with a
   * round of gratuitous ARP, and its next advert leaves from the new address at once.
   */
  move(config: InstanceConfig, address: string): void {
    this.reconfigure(config);
    this.addressNow = address;
    this.feed({ type: 'readdress', address });
  }

  get state(): VrrpState {
    return this.machine.state;
  }

  /** The VIPs are on this director now (a MASTER, or a leaving one waiting for its successor). */
  get vipsHeld(): boolean {
    return this.machine.state === 'MASTER' || this.machine.releaseAt !== undefined;
  }

  /** The instance's VIP addresses (no prefix). */
  get vipAddresses(): string[] {
    return this.vips.map((v) => v.address);
  }

  /** Where its adverts' (epoch, sequence) stand: a successor of the same VRID goes on from here. */
  get sequence(): { epoch: number; seq: number } {
    return { epoch: this.epoch, seq: this.seq };
  }

  get transitionCount(): number {
    return this.transitions;
  }

  /** The master this BACKUP follows and still hears (within a peer's lifetime), if any. */
  get following(): string | undefined {
    const m = this.machine;
    if (m.state !== 'BACKUP' || !m.master) return undefined;
    // Heard as a master: a master that restarted and now advertises as a backup is not one.
    const peer = m.peers[m.master.address];
    return peer?.kind === 'master' && this.deps.clock.now() - peer.lastSeen < peerLifetimeMs(m.masterAdverIntervalCs) ? m.master.address : undefined;
  }

  start(): void {
    this.prepare();
    this.feed({ type: 'start' });
  }

  /** Forks the takeover's helpers now, for every interface the VIPs go on, so that becoming master pays no fork. */
  private prepare(): void {
    for (const { iface, vips } of this.places()) {
      this.deps.vips.prepare?.(iface);
      this.deps.announcer.prepare(iface, vips, this.deps.garp.repeat);
    }
  }

  /** The VIPs (all, or these) by the interface each goes on. */
  private places(vips: InstanceVip[] = this.vips): { iface: string; vips: InstanceVip[] }[] {
    return vipsByInterface(vips, vipInterface(this.current), this.current.interface);
  }

  private async addVips(vips: InstanceVip[]): Promise<void> {
    for (const { iface, vips: list } of this.places(vips)) await this.deps.vips.add(iface, list);
  }

  /** Routes, then the rules that may send traffic to their tables. */
  private async addRouting(r: Routing = this.routing): Promise<void> {
    const objects = this.deps.ipObjects;
    if (!objects) return;
    await objects.add('route', r.routes);
    await objects.add('rule', r.rules);
  }

  private async removeRouting(r: Routing = this.routing): Promise<void> {
    const objects = this.deps.ipObjects;
    if (!objects) return;
    await objects.remove('rule', r.rules);
    await objects.remove('route', r.routes);
  }

  private async removeVips(vips: InstanceVip[]): Promise<void> {
    for (const { iface, vips: list } of this.places(vips)) await this.deps.vips.remove(iface, list);
  }

  receive(advert: Advert): void {
    if (advert.kind === 'master' && advert.priority > 0) this.lastAdvertAt = this.deps.clock.now();
    this.feed({ type: 'advert', advert });
  }

  setPriority(priority: number): void {
    this.feed({ type: 'priority', priority });
  }

  /** Faults come from several sources (links, scripts, sync group); the machine sees their union. */
  setFaults(source: string, faults: string[]): void {
    if (faults.length) this.faultSources.set(source, faults);
    else this.faultSources.delete(source);
    this.feed({ type: 'faults', faults: [...this.faultSources.values()].flat() });
  }

  /** Faults of this instance's own, not imposed by its sync group. */
  ownFaults(): string[] {
    return [...this.faultSources.entries()].filter(([source]) => source !== 'sync-group').flatMap(([, f]) => f);
  }

  /**
   * Compares what the instance owns on the host with the kernel, after an address event or on
   * the periodic look: without its advert source address (a network manager flushed the
   * interface) it cannot advertise, which is a fault until the address is back, as Keepalived
   * has it; a MASTER puts back each of its VIPs the kernel lost, and announces them again.
   */
  verifyHost(kernel: ReadonlyMap<string, ReadonlySet<string>>, noticedBy: string): void {
    const iface = this.current.interface;
    // A reload moved it while the kernel was read: the next look sees its new interface.
    if (!kernel.has(iface)) return;
    const fault = kernel.get(iface)?.has(this.addressNow) ? [] : [`source address ${this.addressNow} gone from ${iface}`];
    if (fault.join() !== (this.faultSources.get('source-address') ?? []).join()) {
      if (fault.length) this.log.warn({ address: this.addressNow, iface, noticedBy }, `its source address ${this.addressNow} is gone from ${iface}: FAULT until it is back`);
      else this.log.info({ address: this.addressNow, iface, noticedBy }, `its source address ${this.addressNow} is back on ${iface}`);
      this.setFaults('source-address', fault);
      this.deps.ownFaultsChanged?.(this);
    }
    // Not a MASTER, or one whose own add is under way: nothing of its is missing.
    const lost = this.state === 'MASTER' && this.vipsAdding === 0 ? this.lostFrom(kernel) : [];
    if (!lost.length || this.repairing) {
      if (!lost.length) this.missing = [];
      return;
    }
    this.missing = lost.map((l) => l.vip.address);
    this.repairing = true;
    // Read again behind its own address changes on the queue: one of ours under way
    // while the kernel was read is not a loss.
    this.enqueue('repair VIPs', async () => {
      try {
        const again = new Map<string, Set<string>>();
        for (const place of this.places()) again.set(place.iface, new Set((await this.deps.vips.list(place.iface).catch(() => [])).map((v) => v.address)));
        await this.repairVips(this.state === 'MASTER' ? this.lostFrom(again) : [], noticedBy);
      } finally {
        this.repairing = false;
      }
    });
  }

  /** The interfaces a look reads for this instance: its own, and those its VIPs go on. */
  lookInterfaces(): string[] {
    return [...new Set([this.current.interface, ...this.places().map((p) => p.iface)])];
  }

  private lostFrom(kernel: ReadonlyMap<string, ReadonlySet<string>>): { iface: string; vip: InstanceVip }[] {
    return this.places().flatMap((place) => place.vips.filter((v) => !kernel.get(place.iface)?.has(v.address)).map((vip) => ({ iface: place.iface, vip })));
  }

  /** A MASTER puts back the VIPs the kernel lost (`lost`, read by this look), and announces them. */
  private async repairVips(lost: { iface: string; vip: InstanceVip }[], noticedBy: string): Promise<void> {
    // Not a MASTER any more, or one still adding: its own add or remove is under way.
    if (this.state !== 'MASTER' || this.vipsAdding > 0) {
      this.missing = [];
      return;
    }
    this.missing = lost.map((l) => l.vip.address);
    if (!lost.length) return;
    const text = lost.map((l) => `${l.vip.address} on ${l.iface}`).join(', ');
    this.log.warn({ missing: lost.map((l) => ({ vip: l.vip.address, iface: l.iface })), noticedBy }, `VIPs gone from the kernel, removed outside tandem: ${text}; adding them back`);
    const signal = this.garps.signal;
    for (const { iface, vips } of groupBy(lost)) await this.deps.vips.add(iface, vips);
    this.repairs += lost.length;
    this.missing = [];
    this.log.info({ repaired: lost.map((l) => l.vip.address) }, `VIPs added back: ${text}`);
    await this.garps.announce(this.deps.garp.repeat, signal, lost.map((l) => l.vip));
  }

  /** Announces the VIPs again (a master only): for a neighbour that lost its ARP entry. */
  garp(): void {
    if (this.state === 'MASTER') void this.garps.announce(this.deps.garp.repeat);
  }

  stepDown(holdMs: number): void {
    this.feed({ type: 'stepDown', holdMs });
  }

  force(to: 'MASTER' | 'BACKUP', reason: string): void {
    this.feed({ type: 'force', to, reason });
  }

  /**
   * Stops gracefully: priority 0, then the VIPs go once the successor is heard (or after the
   * grace), and the address changes are waited for. Idempotent.
   */
  async stop(): Promise<void> {
    this.feed({ type: 'shutdown' });
    if (this.machine.releaseAt !== undefined) await new Promise<void>((resolve) => (this.onReleased = resolve));
    if (this.timer !== undefined) this.deps.clock.clear(this.timer);
    this.timer = undefined;
    await this.queue;
  }

  status(): InstanceStatus {
    const now = this.deps.clock.now();
    const m = this.machine;
    return {
      name: this.name,
      vrid: this.config.vrid,
      interface: this.config.interface,
      vipInterface: vipInterface(this.config),
      address: this.address,
      state: m.state,
      priority: m.priority,
      basePriority: this.config.priority,
      advertIntervalMs: this.machine.params.intervalCs * 10,
      master: m.state === 'MASTER' ? this.address : (m.master?.address ?? null),
      lastAdvertAgeMs: this.lastAdvertAt === undefined ? null : Math.round(now - this.lastAdvertAt),
      advertLoss: Math.round(m.hearing.loss * 1000) / 1000,
      masterDownMs: Math.round(masterDownMs(m, m.masterAdverIntervalCs)),
      vips: this.vips.map(vipText),
      vipsHeld: this.vipsHeld,
      vipsMissing: this.state === 'MASTER' ? [...this.missing] : [],
      vipRepairs: this.repairs,
      faults: m.faults,
      peers: Object.entries(m.peers).map(([address, p]) => ({ address, kind: p.kind, priority: p.priority, ageMs: Math.round(now - p.lastSeen) })),
      transitions: this.transitions,
      stateSince: this.stateSince,
      advertsSent: this.advertsSent,
      masterChanges: this.masterChanges,
    };
  }

  private feed(event: Event): void {
    const now = this.deps.clock.now();
    const { machine, actions } = step(this.machine, event, now);
    const masterOf = (m: Machine) => (m.state === 'MASTER' ? this.address : m.master?.address);
    if (masterOf(machine) !== masterOf(this.machine) && masterOf(machine) !== undefined) this.masterChanges += 1;
    this.machine = machine;
    for (const action of actions) {
      // A new master's adverts wait for its VIPs (an addVips action earlier in this step counts
      // already): a leaving master that hears one lets go. Its second advert is due one interval
      // later, which a slow kernel's add can outlast.
      if (this.vipsAdding > 0 && action.type === 'send') this.enqueue('advert', async () => this.send(action.kind, action.priority, this.deps.clock.now()));
      else this.perform(action, now);
    }
    if (this.routingDue) {
      this.routingDue = false;
      this.enqueue('add routes', () => this.addRouting());
    }
    // The hooks of a transition go after its VIP work (see onTransition), a step-down's after
    // the VIPs it keeps for the release grace are gone.
    if (machine.releaseAt === undefined && this.notifyPending.length) {
      const hooks = this.notifyPending;
      this.notifyPending = [];
      this.enqueue('notify', async () => hooks.forEach((run) => run()));
    }
    if (machine.releaseAt === undefined && this.onReleased) {
      const done = this.onReleased;
      this.onReleased = undefined;
      this.enqueue('release', async () => done());
    }
    this.arm(now);
  }

  private arm(now: number): void {
    const { clock } = this.deps;
    if (this.timer !== undefined) clock.clear(this.timer);
    this.timer = undefined;
    const deadline = nextDeadline(this.machine);
    if (deadline === undefined) return;
    // The tick runs from setImmediate, after the event loop's I/O phase: adverts that arrived
    // while the process was stalled are read first, so a stall alone cannot fire the master
    // down timer ahead of the adverts that would have reset it.
    this.timer = clock.set(() => clock.defer(() => this.feed({ type: 'tick', groupHold: this.deps.groupHold?.(this) })), Math.max(0, deadline - now));
  }

  private perform(action: Action, now: number): void {
    switch (action.type) {
      case 'send':
        this.send(action.kind, action.priority, now);
        return;
      case 'addVips':
        this.vipsAdding += 1;
        this.enqueue('add VIPs', () => {
          // Not awaited: the adverts wait for the VIPs, and must wait for nothing else (a
          // stalled master is one the peer takes over from).
          void this.deps.openGrace?.(this.vips);
          return this.timed('VIPs added', () => this.addVips(this.vips)).finally(() => (this.vipsAdding -= 1));
        });
        // After the VIPs (a route may name one as its source), and after this step's advert and
        // gratuitous ARP, which must not wait for them (see feed).
        this.routingDue = this.hasRouting;
        return;
      case 'removeVips':
        this.garps.cancel();
        if (this.hasRouting) this.enqueue('remove routes', () => this.removeRouting());
        this.enqueue('remove VIPs', () => this.timed('VIPs removed', () => this.removeVips(this.vips)));
        return;
      case 'garp': {
        // After the addresses are in place; the arping processes themselves are not waited for.
        // The signal is taken now: if the VIPs leave before this runs, it announces nothing.
        const signal = this.garps.signal;
        this.enqueue('garp', () => this.garps.announce(this.deps.garp.repeat, signal));
        return;
      }
      case 'transition':
        this.onTransition(action.from, action.to, action.reason);
        return;
      case 'mismatch':
        this.log.warn({ peer: action.peer, mismatch: action.detail }, `peer ${action.peer} is configured differently: ${action.detail}`);
        return;
      case 'changeVips': {
        const add = this.vips.filter((v) => action.add.includes(v.address));
        const remove = groupBy(this.retired.filter((r) => action.remove.includes(r.vip.address)));
        const signal = this.garps.signal;
        if (remove.length) this.enqueue('remove VIPs', async () => {
          for (const { iface, vips } of remove) await this.deps.vips.remove(iface, vips);
        });
        if (add.length) {
          this.enqueue('add VIPs', () => this.addVips(add));
          this.enqueue('garp', () => this.garps.announce(this.deps.garp.repeat, signal, add));
        }
        this.log.info({ added: action.add, removed: action.remove }, `VIPs changed by reload: ${[...action.add.map((a) => `+${a}`), ...action.remove.map((r) => `-${r}`)].join(' ')}`);
        return;
      }
    }
  }

  private send(kind: AdvertKind, priority: number, now: number): void {
    if (this.seq === 0xffffffff) {
      this.epoch += 1;
      this.seq = 0;
    }
    this.seq += 1;
    const advert: Advert = {
      kind,
      vrid: this.config.vrid,
      priority,
      intervalCs: this.machine.params.intervalCs,
      epoch: this.epoch,
      seq: this.seq,
      sender: this.address,
      vips: this.machine.params.vips,
    };
    if (kind === 'master' && priority > 0) this.lastAdvertAt = now;
    this.advertsSent += 1;
    this.deps.transport.send(encodeAdvert(advert, this.deps.auth), {
      sourceAddress: this.address,
      peers: this.config.unicast_peers,
    });
  }

  /** Runs address changes and logs how long they took (drills read it). */
  private async timed(what: string, changes: () => Promise<unknown>): Promise<void> {
    const started = this.deps.clock.now();
    await changes();
    this.log.info({ vips: this.vips.map((v) => v.address), ms: Math.round(this.deps.clock.now() - started) }, what);
  }

  private enqueue(what: string, work: () => Promise<unknown>): void {
    this.queue = this.queue.then(work).then(
      () => undefined,
      (err: Error) => this.log.error({ err: err.message }, `${what} failed: ${err.message}`),
    );
  }

  private onTransition(from: VrrpState, to: VrrpState, reason: string): void {
    this.transitions += 1;
    // Wall-clock time, for status readers (a drill times a takeover by it), never for timers.
    this.stateSince = this.deps.clock.epochMs();
    this.log.info({ from, to, reason, priority: this.machine.priority }, `${from} -> ${to}: ${reason}`);
    if (to === 'MASTER') this.garps.schedule();
    else this.garps.cancel();
    const hookName = ({ MASTER: 'master', BACKUP: 'backup', FAULT: 'fault', INIT: 'stop' } as const)[to];
    const state = to === 'INIT' ? 'STOP' : to;
    const specific = this.config.notify[hookName];
    const any = this.config.notify.any ? [...this.config.notify.any, 'INSTANCE', this.name, state, String(this.machine.priority)] : undefined;
    // As Keepalived: the hooks start once the VIPs and the first ARP of this transition are
    // done (the step queues them after its actions), or, leaving MASTER, once the VIPs are
    // gone. Their fork may take long (most of a second on a slow kernel), and no VIP waits for it.
    if (specific || any)
      this.notifyPending.push(() => {
        if (specific) this.deps.hooks.run(specific, this.log);
        if (any) this.deps.hooks.run(any, this.log);
      });
    this.deps.onTransition(this, from, to);
  }
}

/** The instances' gratuitous ARP settings from a config. */
export function garpSettings(config: Config): GarpSettings {
  return {
    repeat: config.garp.repeat,
    delayMs: config.garp.delay * 1000,
    refreshMs: config.garp.refresh * 1000,
    refreshRepeat: config.garp.refresh_repeat,
    spacingMs: config.garp.interval * 1000,
  };
}

/** VIPs with their interfaces, grouped by interface. */
function groupBy(list: { iface: string; vip: InstanceVip }[]): { iface: string; vips: InstanceVip[] }[] {
  const groups = new Map<string, InstanceVip[]>();
  for (const { iface, vip } of list) groups.set(iface, [...(groups.get(iface) ?? []), vip]);
  return [...groups].map(([iface, vips]) => ({ iface, vips }));
}

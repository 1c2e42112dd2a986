import { trackInstances } from '../daemon/tracking.js';
import type { InstanceRunner } from '../daemon/instance.js';
import { desiredTable } from '../ipvs/desired.js';
import type { VirtualService } from '../ipvs/model.js';
import { realServerId, serviceId } from '../ipvs/model.js';
import { vipPlaces } from '../net/vmac.js';
import { SERVERS } from './cluster.js';
import type { ClusterSpec } from './cluster.js';
import type { SimNetwork } from './network.js';
import type { ReloadOutcome, SimNode } from './node.js';
import { mustRefuse } from './schedule.js';
import type { Edit } from './schedule.js';
import type { Scheduler } from './scheduler.js';

export interface Violation {
  at: number;
  invariant: string;
  detail: string;
}

/** How long two hosts may hold one VIP on a healthy network: a handover's one-way delay, and slack. */
export const HANDOVER_OVERLAP_MS = 5;
/**
 * How long a MASTER may lack a VIP after something outside tandem changed its host's addresses:
 * the address event reaches the process (1 ms here), the look reads the kernel and adds the
 * VIP back. The goal for real hosts is 100 ms; the simulated kernel answers at once.
 */
export const HOST_REPAIR_BOUND_MS = 100;

type InstanceConfig = InstanceRunner['config'];
/**
 * An instance's VIP places, parsed once per config object (a reload makes a new one): the
 * invariants ask after every event, and parsing every VIP each time was half the run.
 */
const places = new WeakMap<InstanceConfig, ReturnType<typeof vipPlaces>>();
function placesOf(config: InstanceConfig): ReturnType<typeof vipPlaces> {
  let found = places.get(config);
  if (!found) places.set(config, (found = vipPlaces(config)));
  return found;
}

/**
 * The promises a pair makes, checked after every event of a simulation:
 * - a host holds a VIP only while tandem there is MASTER of its instance (or, leaving, waits for
 *   its successor); a gracefully stopped node holds none;
 * - two hosts hold one VIP at once only during a handover (one network delay) or within one
 *   advert interval plus the network's delay after a disturbance ends (partition, loss, a
 *   frozen or killed process, a link down): the masters that the disturbance made hear each
 *   other's next advert and the lower one yields;
 * - once nothing has changed for the settle time, exactly one master per VRID, the one the
 *   election rules name, and no transition at all until the next change;
 * - a reload is applied whole or not at all; once settled, each table equals the desired one.
 */
export class Invariants {
  readonly violations: Violation[] = [];
  readonly paused = new Set<string>();
  private lastChange = 0;
  private lastDisturbed = -Infinity;
  private maxDelayMs = 0;
  private readonly dualSince = new Map<string, number>();
  /** When something outside tandem last changed a host's addresses. */
  private readonly outsideAt = new Map<string, number>();
  private settledSignature?: string;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly network: SimNetwork,
    private readonly nodes: SimNode[],
    private readonly serversUp: boolean[],
    private readonly spec: ClusterSpec,
  ) {}

  report(invariant: string, detail: string): void {
    this.violations.push({ at: Math.round(this.scheduler.now() * 1000) / 1000, invariant, detail });
  }

  /** Something changed (a fault began or ended, a reload, a start): the settle time starts again. */
  changed(): void {
    this.lastChange = this.scheduler.now();
    this.settledSignature = undefined;
  }

  /** A disturbance ends now: dual VIPs are allowed for one advert interval (and delay) from here. */
  markDisturbed(): void {
    this.lastDisturbed = this.scheduler.now();
    this.changed();
  }

  /** Someone outside tandem changed the node's addresses now: its MASTER has HOST_REPAIR_BOUND_MS to hold its VIPs again. */
  outsideChange(node: SimNode): void {
    this.outsideAt.set(node.name, this.scheduler.now());
    this.markDisturbed();
  }

  /** Whether something outside tandem changed the node's addresses in the last `ms`. */
  changedOutsideSince(node: SimNode, ms: number): boolean {
    return this.scheduler.now() - (this.outsideAt.get(node.name) ?? -Infinity) <= ms;
  }

  /** A node's config changed (a reload, a start): the settle time is computed again. */
  configsChanged(): void {
    this.changed();
    this.settle = undefined;
  }

  private settle?: { ms: number; intervalMs: number; intervalsDisagree: boolean };

  /** How long after the last change the pair must be settled (ms). */
  settleMs(): number {
    return (this.settle ??= this.computeSettle()).ms;
  }

  /** The longest advert interval of the running configs (ms). */
  private intervalMs(): number {
    return (this.settle ??= this.computeSettle()).intervalMs;
  }

  private computeSettle(): { ms: number; intervalMs: number; intervalsDisagree: boolean } {
    const configs = this.nodes.map((n) => n.running.config);
    // Directors whose files give one VRID different advert intervals (a rolling edit half
    // done): one that starts meanwhile times the master out by its own, shorter interval.
    const intervals = new Map<number, Set<number>>();
    for (const c of configs) for (const i of c.instances) intervals.set(i.vrid, (intervals.get(i.vrid) ?? new Set()).add(i.advert_interval));
    const intervalsDisagree = [...intervals.values()].some((set) => set.size > 1);
    const intervalMs = Math.max(...configs.flatMap((c) => c.instances.map((i) => i.advert_interval * 1000)));
    const preemptDelayMs = Math.max(0, ...configs.flatMap((c) => c.instances.map((i) => i.preempt_delay * 1000)));
    return { intervalMs, intervalsDisagree, ms: 5 * intervalMs + preemptDelayMs + (this.spec.service ? 5000 : 0) + (this.spec.scriptWeight !== null ? 2000 : 0) + 2000 };
  }

  private disturbed(): boolean {
    if (this.network.rules.size || this.paused.size) return true;
    if ((this.settle ??= this.computeSettle()).intervalsDisagree) return true;
    // A link down, or an interface a flush left without addresses: nothing reaches it (a peer's
    // unicast adverts to its address included) until it is back.
    return this.nodes.some((n) => n.state === 'killed' || [...n.host.ifaces.values()].some((i) => !i.up || i.addresses.length === 0));
  }

  check(): void {
    const now = this.scheduler.now();
    if (this.disturbed()) {
      this.lastDisturbed = now;
      for (const r of this.network.rules) this.maxDelayMs = Math.max(this.maxDelayMs, (r.delayMs ?? 0) + (r.jitterMs ?? 0));
      this.changed();
    }
    for (const node of this.nodes) this.checkVipsFollowState(node);
    this.checkDualVips(now);
    const quiet = now - this.lastChange > this.settleMs() && this.nodes.every((n) => n.busy === 0 && n.state !== 'booting' && n.state !== 'stopping');
    if (!quiet) return;
    const signature = this.signature();
    if (this.settledSignature === undefined) {
      this.settledSignature = signature;
      this.maxDelayMs = 0;
      this.checkElection();
      this.checkTables();
    } else if (signature !== this.settledSignature) {
      this.report('no-flap', `a transition with nothing changing for ${Math.round(now - this.lastChange)} ms: ${this.settledSignature} -> ${signature}`);
      this.settledSignature = signature;
    }
  }

  /** A VIP on a host belongs to an instance that is MASTER there (or leaving, awaiting its successor). */
  private checkVipsFollowState(node: SimNode): void {
    if (!node.director || node.state !== 'running' || node.busy || this.paused.has(node.name)) return;
    const runners = node.director.select(undefined);
    for (const [iface, vips] of node.host.vips) {
      for (const address of vips.keys()) {
        const owner = runners.find((r) => placesOf(r.config).some((g) => g.iface === iface && g.vips.some((v) => v.address === address)));
        if (!owner?.vipsHeld) this.report('vip-follows-state', `${node.name} holds ${address} on ${iface} but ${owner ? `${owner.name} is ${owner.state}` : 'no instance has it'}`);
      }
    }
    const repairing = this.scheduler.now() - (this.outsideAt.get(node.name) ?? -Infinity) <= HOST_REPAIR_BOUND_MS;
    for (const r of runners) {
      if (r.state !== 'MASTER' || repairing) continue;
      const missing = placesOf(r.config).flatMap((g) => g.vips.filter((v) => !node.host.vips.get(g.iface)?.has(v.address)).map((v) => v.address));
      if (missing.length) this.report('vip-follows-state', `${node.name} ${r.name} is MASTER without ${missing.join(', ')}`);
    }
  }

  /** A gracefully stopped tandem leaves no VIP behind. */
  stoppedHoldsNone(node: SimNode): void {
    const held = node.host.heldVips();
    if (held.length) this.report('stopped-holds-none', `${node.name} stopped and still holds ${held.join(', ')}`);
  }

  private checkDualVips(now: number): void {
    const holders = new Map<string, string[]>();
    for (const node of this.nodes) {
      if (!node.host.running) continue;
      for (const vips of node.host.vips.values()) {
        for (const address of vips.keys()) {
          const list = holders.get(address);
          if (list) list.push(node.name);
          else holders.set(address, [node.name]);
        }
      }
    }
    for (const address of this.dualSince.keys()) if ((holders.get(address)?.length ?? 0) < 2) this.dualSince.delete(address);
    const afterDisturbance = this.intervalMs() + this.maxDelayMs + 50;
    for (const [address, hosts] of holders) {
      if (hosts.length < 2) continue;
      const since = this.dualSince.get(address) ?? now;
      this.dualSince.set(address, since);
      if (now - since > HANDOVER_OVERLAP_MS && now - this.lastDisturbed > afterDisturbance) {
        this.report('dual-vip-bound', `${address} on ${hosts.join(' and ')} for ${Math.round(now - since)} ms, ${Math.round(now - this.lastDisturbed)} ms after the last disturbance (bound ${afterDisturbance} ms)`);
        this.dualSince.set(address, now);
      }
    }
  }

  private signature(): string {
    return this.nodes.map((n) => `${n.name}[${(n.director?.select(undefined) ?? []).map((r) => `${r.name}:${r.state}:${r.transitionCount}`).join(' ')}]`).join(' ');
  }

  /** Exactly one master per VRID, and one the election rules allow. */
  private checkElection(): void {
    const now = this.scheduler.now();
    const quorum = this.serversUp.every(Boolean);
    const seen = this.spec.instances.map((i) => i.vrid);
    // Nodes whose files disagree on a sync group (a member removed on one node only): the
    // group holds back a takeover its other member's master forbids; no single answer exists.
    const running = this.nodes.filter((n) => n.director && n.state === 'running');
    const groupsOf = (n: SimNode) => JSON.stringify([n.running.config.sync_groups, n.running.config.instances.map((i) => i.name)]);
    const groupsAgree = running.every((n) => groupsOf(n) === groupsOf(running[0] as SimNode));
    for (const vrid of seen) {
      const grouped = running.some((n) => {
        const inst = n.running.config.instances.find((i) => i.vrid === vrid);
        return inst && n.running.config.sync_groups.some((g) => g.instances.includes(inst.name));
      });
      if (grouped && !groupsAgree) continue;
      const candidates = this.nodes.flatMap((node) => {
        const runner = node.director?.select(undefined).find((r) => r.vrid === vrid);
        if (!runner || node.state !== 'running') return [];
        const config = node.running.config;
        const effects = trackInstances(config, {
          linkDown: (iface) => (node.host.linkUp(iface) ? undefined : `${iface} down`),
          scriptUp: (name) => node.host.scriptsUp.get(name) ?? true,
          hasQuorum: () => quorum,
          // Simulated hosts have no tracked files: a file reads as missing, 0.
          fileValue: () => 0,
        });
        const group = config.sync_groups.find((g) => g.instances.includes(runner.name));
        // An instance whose interface lost its advert source (a flush) is in FAULT until it is back.
        const sourceGone = (name: string) => {
          const r = node.director?.select(undefined).find((x) => x.name === name);
          return r !== undefined && !node.host.ifaces.get(r.config.interface)?.addresses.includes(r.address);
        };
        const faulted = (group?.instances ?? [runner.name]).some((name) => (effects.get(name)?.faults.length ?? 0) > 0 || sourceGone(name));
        const priority = Math.min(254, Math.max(1, effects.get(runner.name)?.priority ?? 0));
        const held = (node.holdUntil.get(vrid) ?? 0) > now;
        return [{ node, runner, eligible: !faulted, priority, preempts: runner.config.preempt && !held }];
      });
      const masters = candidates.filter((c) => c.runner.state === 'MASTER');
      const eligible = candidates.filter((c) => c.eligible);
      const describe = candidates.map((c) => `${c.node.name} ${c.runner.state} prio ${c.priority}${c.eligible ? '' : ' faulted'}${c.preempts ? '' : ' nopreempt'} ${c.runner.address}`).join('; ');
      if (!eligible.length) {
        if (masters.length) this.report('one-master', `vrid ${vrid}: a MASTER with no eligible node: ${describe}`);
        continue;
      }
      if (masters.length !== 1) {
        this.report('one-master', `vrid ${vrid}: ${masters.length} masters once settled: ${describe}`);
        continue;
      }
      const m = masters[0] as (typeof candidates)[number];
      const outranked = eligible.find((c) => c !== m && c.preempts && c.priority > m.priority);
      if (!m.eligible || outranked) this.report('one-master', `vrid ${vrid}: ${m.node.name} is MASTER but the election names another: ${describe}`);
    }
  }

  /** Once settled, every running director's IPVS table is the config's, less the servers down. */
  private checkTables(): void {
    for (const node of this.nodes) {
      const config = node.running.config;
      if (!node.director || !config.virtual_services.length) continue;
      const up = (address: string) => this.serversUp[SERVERS.indexOf(address)] ?? true;
      const want = desiredTable(config.virtual_services).map((s) => ({ ...s, realServers: s.realServers.filter((r) => up(r.address)) }));
      const [a, b] = [tableKey(want), tableKey(node.host.ipvs.table)];
      if (a !== b) this.report('ipvs-table', `${node.name}: table ${b}, desired ${a}`);
    }
  }

  /** A reload's outcome: whole or nothing, refused only for what must be refused. */
  reloaded(node: SimNode, outcome: ReloadOutcome, edit: Edit): void {
    // An instance on an interface a flush left without an address has no source to advertise
    // from: any reload is refused until the address is back.
    const addressless = outcome.attempted.instances.some((i) => (node.host.ifaces.get(i.interface)?.addresses.length ?? 0) === 0);
    const refuse = mustRefuse(edit, outcome.before) || (addressless && !outcome.ok);
    if (JSON.stringify(outcome.running) !== JSON.stringify(outcome.expected)) {
      this.report('reload-whole', `${node.name}: after a ${outcome.ok ? 'applied' : 'refused'} ${edit.kind} edit the running config is neither the old nor the new one`);
    }
    if (outcome.ok && refuse) this.report('reload-whole', `${node.name}: a ${edit.kind} edit was applied; it must be refused`);
    if (!outcome.ok && !refuse) this.report('reload-whole', `${node.name}: a valid ${edit.kind} edit was refused: ${outcome.error}`);
    for (const r of node.director?.select(undefined) ?? []) this.checkRunnerConfig(node, r);
  }

  private checkRunnerConfig(node: SimNode, r: InstanceRunner): void {
    const inst = node.running.config.instances.find((i) => i.name === r.name);
    if (JSON.stringify(inst) !== JSON.stringify(r.config)) this.report('reload-whole', `${node.name}: instance ${r.name} runs a config other than the file's`);
  }
}

function tableKey(table: VirtualService[]): string {
  return table
    .map((s) => `${serviceId(s)}=[${s.realServers.map((r) => `${realServerId(r)}*${r.weight}`).sort().join(',')}]`)
    .sort()
    .join(' ');
}

import type { Logger } from 'pino';
import type { ClusterSpec, NodeConfig } from './cluster.js';
import { initialNodeConfig, SERVERS } from './cluster.js';
import { Invariants } from './invariants.js';
import type { Violation } from './invariants.js';
import type { SimDefect } from './host.js';
import { SimNetwork } from './network.js';
import type { NetRule } from './network.js';
import { SimNode } from './node.js';
import { mustRefuse } from './schedule.js';
import type { Edit, Fault, Schedule } from './schedule.js';
import { Scheduler } from './scheduler.js';

export interface SimResult {
  violations: Violation[];
  events: number;
  simulatedMs: number;
  /** Simulated time times the nodes running tandem. */
  nodeMs: number;
  packets: number;
  reloads: { ok: number; refused: number };
}

export interface SimOptions {
  log?: Logger;
  /** Stop at the first violation (the default: a failing schedule is shrunk, not explored). */
  stopAtFirst?: boolean;
  /** A fixed bug brought back, to prove the simulator finds it. */
  defect?: SimDefect;
}

/** Runs one schedule to its end and checks the invariants after every event. */
export async function simulate(schedule: Schedule, options: SimOptions = {}): Promise<SimResult> {
  const sim = new Simulation(schedule, options);
  return sim.run();
}

class Simulation {
  readonly scheduler = new Scheduler();
  readonly network: SimNetwork;
  readonly nodes: SimNode[];
  readonly serversUp: boolean[] = SERVERS.map(() => true);
  private readonly invariants: Invariants;
  private readonly reloads = { ok: 0, refused: 0 };
  private nodeMs = 0;

  constructor(
    private readonly schedule: Schedule,
    private readonly options: SimOptions,
  ) {
    const spec = schedule.cluster;
    this.network = new SimNetwork(this.scheduler, schedule.seed);
    const world = { serverUp: (address: string) => this.serversUp[SERVERS.indexOf(address)] ?? true };
    this.nodes = Array.from({ length: spec.nodes }, (_, i) => new SimNode(i, spec, initialNodeConfig(spec, i), this.scheduler, this.network, world, options.log, options.defect));
    this.invariants = new Invariants(this.scheduler, this.network, this.nodes, this.serversUp, spec);
  }

  async run(): Promise<SimResult> {
    const { scheduler, invariants } = this;
    // The directors start a few milliseconds apart, as two machines do.
    this.nodes.forEach((node, i) => scheduler.at(i * 7, () => this.start(node)));
    for (const { at, fault } of this.schedule.faults) scheduler.at(at, () => this.inject(fault));
    const lastFault = Math.max(0, ...this.schedule.faults.map(({ at, fault }) => at + ('forMs' in fault ? fault.forMs : 0) + ('holdMs' in fault ? fault.holdMs : 0)));
    const end = lastFault + invariants.settleMs() + 5000;
    let last = 0;
    scheduler.afterEvent = () => {
      const now = scheduler.now();
      this.nodeMs += (now - last) * this.nodes.filter((n) => n.director).length;
      last = now;
      invariants.check();
      if (invariants.violations.length && this.options.stopAtFirst !== false) throw new StopSimulation();
    };
    try {
      await scheduler.runUntil(end);
    } catch (err) {
      if (!(err instanceof StopSimulation)) throw err;
    }
    return {
      violations: invariants.violations,
      events: scheduler.events,
      simulatedMs: scheduler.now(),
      nodeMs: this.nodeMs,
      packets: this.network.sent,
      reloads: { ...this.reloads },
    };
  }

  private start(node: SimNode): void {
    this.invariants.configsChanged();
    void node.boot().catch((err: Error) => {
      // Started while a flush left an interface without its address: tandem exits, and
      // systemd starts it again a second later (Restart=always, RestartSec=1 in the unit).
      if ([...node.host.ifaces.values()].some((i) => i.addresses.length === 0)) return this.restartLater(node, 1000);
      this.invariants.report('boot', `${node.name} did not start: ${err.message}`);
    });
  }

  /** Runs a fault now and schedules its end. */
  private inject(fault: Fault): void {
    const { scheduler, network, invariants } = this;
    invariants.changed();
    const later = (ms: number, fn: () => void) =>
      scheduler.at(scheduler.now() + ms, () => {
        invariants.changed();
        fn();
      });
    const node = 'node' in fault ? this.nodes[fault.node % this.nodes.length] : undefined;
    const name = (i: number | undefined) => (i === undefined ? undefined : this.nodes[i % this.nodes.length]?.name);
    // A disturbance's end counts as disturbed: the pair has one advert interval from then on.
    const ends = (ms: number, fn: () => void) =>
      later(ms, () => {
        invariants.markDisturbed();
        fn();
      });
    const rule = (r: NetRule, forMs: number) => {
      network.rules.add(r);
      ends(forMs, () => network.rules.delete(r));
    };
    switch (fault.kind) {
      case 'loss':
        return rule({ from: name(fault.from), to: name(fault.to), loss: fault.rate }, fault.forMs);
      case 'delay':
        return rule({ from: name(fault.from), to: name(fault.to), delayMs: fault.ms, jitterMs: fault.jitterMs }, fault.forMs);
      case 'duplicate':
        return rule({ duplicate: fault.rate }, fault.forMs);
      case 'partition': {
        const [a, b] = [name(fault.a), name(fault.b)];
        if (a === b) return;
        rule({ from: a, to: b, block: true }, fault.forMs);
        if (!fault.oneWay) rule({ from: b, to: a, block: true }, fault.forMs);
        return;
      }
      case 'link':
        if (!node) return;
        node.host.setLink(fault.iface, false);
        ends(fault.forMs, () => node.host.setLink(fault.iface, true));
        return;
      case 'crash':
        if (!node || node.state === 'down') return;
        node.crash(network);
        this.restartLater(node, fault.forMs);
        return;
      case 'kill':
        if (!node || !node.director) return;
        node.kill(network);
        this.restartLater(node, fault.forMs);
        return;
      case 'restart':
        if (!node || node.state !== 'running') return;
        void node.stop().then(() => {
          if (node.state !== 'stopped') return;
          invariants.stoppedHoldsNone(node);
          this.restartLater(node, 500);
        });
        return;
      case 'pause':
        if (!node || scheduler.isPaused(node.name)) return;
        scheduler.pause(node.name);
        invariants.paused.add(node.name);
        ends(fault.forMs, () => {
          invariants.paused.delete(node.name);
          // What changed on the host meanwhile is seen only now: the repair bound starts here.
          if (invariants.changedOutsideSince(node, fault.forMs)) invariants.outsideChange(node);
          scheduler.resume(node.name);
        });
        return;
      case 'reload':
        if (fault.edit.kind === 'key') return this.nodes.forEach((n) => this.reload(n, fault.edit));
        if (node) this.reload(node, fault.edit);
        return;
      case 'script':
        if (!node) return;
        node.host.scriptsUp.set('chk', false);
        later(fault.forMs, () => node.host.scriptsUp.set('chk', true));
        return;
      case 'server': {
        const i = fault.index % SERVERS.length;
        this.serversUp[i] = false;
        later(fault.forMs, () => (this.serversUp[i] = true));
        return;
      }
      case 'step-down': {
        const inst = this.schedule.cluster.instances[fault.instance % this.schedule.cluster.instances.length];
        const runner = inst && node?.director?.select(undefined).find((r) => r.vrid === inst.vrid);
        if (!node || !inst || !runner || scheduler.isPaused(node.name)) return;
        runner.stepDown(fault.holdMs);
        node.holdUntil.set(inst.vrid, scheduler.now() + fault.holdMs);
        later(fault.holdMs, () => undefined);
        return;
      }
      case 'flush-ipvs':
        if (node?.host.running) node.host.ipvs.table = [];
        return;
      case 'vip-delete':
        if (!node?.host.running) return;
        if (node.host.deleteVip(fault.index)) invariants.outsideChange(node);
        return;
      case 'flush':
        if (!node?.host.running) return;
        node.host.flush(fault.iface);
        invariants.outsideChange(node);
        ends(fault.forMs, () => {
          node.host.unflush(fault.iface);
          invariants.outsideChange(node);
        });
        return;
    }
  }

  /** Starts tandem again after ms, unless the host went through something else meanwhile. */
  private restartLater(node: SimNode, ms: number): void {
    const generation = node.host.generation;
    this.scheduler.at(this.scheduler.now() + ms, () => {
      this.invariants.changed();
      // A killed process's VIPs were stale until now: its end is a disturbance's end.
      if (node.state === 'killed') this.invariants.markDisturbed();
      if (node.host.generation === generation && !node.director) this.start(node);
    });
  }

  private reload(node: SimNode, edit: Edit): void {
    const { scheduler } = this;
    // The file is written now; a frozen process reads the change when it resumes.
    if (scheduler.isPaused(node.name)) return void scheduler.at(scheduler.now(), () => this.reload(node, edit), node.name);
    // Between two states: the edit lands a moment later.
    if (node.state === 'booting' || node.state === 'stopping') return void scheduler.at(scheduler.now() + 100, () => this.reload(node, edit));
    const nc = editConfig(this.schedule.cluster, node.nc, edit);
    if (!node.director) {
      // Not running: the next start reads the file (an edit tandem must refuse is not written).
      if (!mustRefuse(edit, node.nc)) node.writeFile(nc);
      this.invariants.configsChanged();
      return;
    }
    void node.reload(nc).then((outcome) => {
      this.invariants.configsChanged();
      if (!outcome) return;
      if (outcome.ok) this.reloads.ok += 1;
      else this.reloads.refused += 1;
      this.invariants.reloaded(node, outcome, edit);
    });
  }
}

class StopSimulation extends Error {}

/** A node's config file after an edit (pure). */
export function editConfig(spec: ClusterSpec, nc: NodeConfig, edit: Edit): NodeConfig {
  const next: NodeConfig = structuredClone(nc);
  if (edit.kind === 'key') next.keyGeneration += 1;
  if (edit.kind === 'port') next.port += 1;
  if (!('instance' in edit)) return next;
  const k = edit.instance % spec.instances.length;
  const inst = next.instances[k];
  if (!inst) return next;
  switch (edit.kind) {
    case 'priority':
      // Sync group members keep one priority, as the config check asks (rule sync-priority).
      if (spec.syncGroup) next.instances.forEach((i) => i && (i.priority = edit.priority));
      else inst.priority = edit.priority;
      break;
    case 'vips':
      inst.vipCount = edit.count;
      break;
    case 'interval':
      inst.advertInterval = edit.seconds;
      break;
    case 'move':
      inst.iface = edit.iface;
      break;
    case 'source':
      inst.source = edit.source;
      break;
    case 'instance':
      // The first instance stays: a config needs one.
      if (k > 0) inst.present = edit.present;
      break;
  }
  return next;
}

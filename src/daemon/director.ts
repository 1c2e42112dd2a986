import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/load.js';
import type { Config, InstanceConfig, ScriptConfig, TrackedFileConfig } from '../config/schema.js';
import { parseVip } from '../config/vip.js';
import { virtualMacAddress, virtualMacSpec, vipPlaces } from '../net/vmac.js';
import { groupAlert, instanceAlert } from '../observe/alerts.js';
import type { Auth } from '../vrrp/advert.js';
import type { AdvertTransport } from '../vrrp/transport.js';
import { AdvertIntake } from './advert-intake.js';
import { ClusterAnnounce } from './cluster-announce.js';
import type { ClusterStatus } from './cluster-announce.js';
import { advertEndpoints } from './endpoints.js';
import type { CurrentSource } from './endpoints.js';
import { garpSettings } from './instance.js';
import type { InstanceDeps, InstanceRunner, InstanceStatus } from './instance.js';
import { InstanceSet } from './instance-set.js';
import type { ReloadStep } from './reload-plan.js';
import type { Seams } from './seams.js';
import { GraceControl } from './grace-control.js';
import { LocalServicesSide } from './services-side.js';
import type { ServicesDeps, ServicesSide } from './services-side.js';
import { StaticNetwork } from './static-network.js';
import { SyncGroups } from './sync-groups.js';
import { TrackedInputs } from './tracked-inputs.js';
import { HostWatch } from './host-watch.js';
import { trackInstances } from './tracking.js';

export interface DirectorOptions {
  seams: Seams;
  log: Logger;
  /** This run's boot epoch (grows with every start: peers' replay guards accept us at once). */
  epoch: number;
  /** IPVS: print the batch it would apply, apply nothing. */
  dryRun?: boolean;
  /** Where checks and IPVS run: beside the instances (the default) or on a thread of their own. */
  servicesSide?: (deps: ServicesDeps) => ServicesSide;
}

export interface DirectorStatus {
  /**
   * `pair`: VRRP instances elect who holds the VIPs; `cluster`: it announces its addresses over
   * BGP (instances may run beside); `checker-only`: no instance, only checks and IPVS.
   */
  role: 'pair' | 'cluster' | 'checker-only';
  instances: InstanceStatus[];
  /** Cluster mode's addresses and routes (null without `announce`). */
  cluster: ClusterStatus | null;
  adverts: { received: number; rejected: Record<string, number> };
  /** Advert authentication: the configured key ids and the one that signs (never a key). */
  auth: { type: 'none' | 'hmac-sha256'; keys: number[] | null; active: number | null };
}

/**
 * One director's VRRP instances, tracking, health checks and IPVS, over its seams: the thin
 * assembly the daemon process (and the simulator) runs. Boot is two steps: `open` creates the
 * instances (in INIT; status answers), `start` brings the IPVS table up and only then lets the
 * instances run, so no instance becomes MASTER before its table exists.
 */
export class Director {
  private readonly runners: InstanceSet;
  private readonly intake: AdvertIntake;
  private readonly tracked: TrackedInputs;
  private groups?: SyncGroups;
  private cluster?: ClusterAnnounce;
  private clusterKey?: string;
  /** Instances whose virtual MAC interface could not be made, and why: a fault of theirs. */
  private readonly vmacFaults = new Map<string, string>();
  private readonly services: ServicesSide;
  private readonly deps: InstanceDeps;
  private readonly grace: GraceControl;
  private readonly statics: StaticNetwork;
  private readonly hostWatch: HostWatch;
  private transport?: AdvertTransport;
  private stopping?: Promise<void>;
  private applying?: Promise<void>;

  private constructor(
    private loaded: Pick<LoadedConfig, 'config' | 'auth'>,
    private readonly options: DirectorOptions,
  ) {
    const { seams, log, epoch } = options;
    this.tracked = new TrackedInputs(seams, log, () => {
      if (this.runners.size) this.retrack();
    });
    const servicesDeps: ServicesDeps = {
      log,
      clock: seams.clock,
      store: seams.store,
      ipvs: seams.ipvs,
      hooks: seams.hooks,
      alerts: seams.alerts,
      dryRun: options.dryRun ?? false,
      ...(seams.fullnat ? { fullnat: seams.fullnat } : {}),
      ...(seams.forwarding ? { forwarding: seams.forwarding } : {}),
      ...(seams.buildCheck ? { buildCheck: seams.buildCheck } : {}),
      ...(seams.random ? { random: seams.random } : {}),
      // A service's quorum moved: the instances' tracking and cluster mode's routes follow it.
      onQuorum: () => {
        this.retrack();
        void this.cluster?.update();
      },
    };
    this.services = (options.servicesSide ?? ((deps) => new LocalServicesSide(deps)))(servicesDeps);
    this.grace = new GraceControl(seams.grace, log, () => this.config, options.dryRun ?? false);
    this.statics = new StaticNetwork({ vips: seams.vips, log, ...(seams.ipObjects ? { objects: seams.ipObjects } : {}) });
    this.makeCluster();
    // One object shared by every runner: a reload updates auth and garp in place.
    this.deps = {
      // Until open() has the transport, nothing sends (the instances are in INIT).
      transport: { send: () => undefined },
      vips: seams.vips,
      announcer: seams.announcer,
      ...(seams.ipObjects ? { ipObjects: seams.ipObjects } : {}),
      hooks: seams.hooks,
      auth: loaded.auth,
      epoch,
      garp: garpSettings(loaded.config),
      log,
      clock: seams.clock,
      onTransition: (r, from, to) => {
        if (r.config.alert) seams.alerts.send(this.config.alerts.smtp, instanceAlert(r.name, from, to), log);
        this.groups?.onTransition(r, from, to);
      },
      groupHold: (r) => this.groups?.holdFor(r),
      openGrace: (vips) => this.grace.open(vips),
      ownFaultsChanged: (r) => this.groups?.onFaultsChanged(r),
    };
    this.hostWatch = new HostWatch(
      seams,
      async (noticedBy) => {
        // The kernel's addresses, read once per interface for every instance.
        const runners = this.runners.all();
        const kernel = new Map<string, Set<string>>();
        for (const iface of new Set(runners.flatMap((r) => r.lookInterfaces()))) {
          kernel.set(iface, new Set((await seams.vips.list(iface).catch(() => [])).map((v) => v.address)));
        }
        for (const r of runners) r.verifyHost(kernel, noticedBy);
      },
      (err) => log.error({ err: err.message }, `address events: ${err.message}`),
    );
    this.runners = new InstanceSet(this.deps);
    this.intake = new AdvertIntake(seams, log, (vrid) => this.runners.forVrid(vrid));
  }

  get config(): Config {
    return this.loaded.config;
  }

  get auth(): Auth {
    return this.loaded.auth;
  }

  /** Each instance's advert source now, by name (a reload keeps them where it can). */
  advertSources(): Map<string, CurrentSource> {
    return new Map(this.runners.all().map((r) => [r.name, { address: r.address, iface: r.config.interface }]));
  }

  /** Opens the transport and creates the instances in INIT; removes VIPs an earlier run left. */
  static async open(loaded: Pick<LoadedConfig, 'config' | 'auth'>, options: DirectorOptions): Promise<Director> {
    const director = new Director(loaded, options);
    try {
      await director.open();
    } catch (err) {
      await director.stop();
      throw err;
    }
    return director;
  }

  private async open(): Promise<void> {
    const { seams, log } = this.options;
    const { config } = this.loaded;
    const endpoints = advertEndpoints(config, seams.addresses);
    // The replay guard goes on from the last run's: adverts captured before it stay refused.
    await this.intake.start();
    this.transport = await seams.openTransport({
      port: config.transport.port,
      group: config.transport.multicast_group,
      group6: config.transport.multicast_group6,
      sources: endpoints.sources,
      joinOn: endpoints.joinOn,
      onPacket: (packet, from) => this.intake.packet(packet, from, this.loaded.auth),
      onError: (err) => log.error({ err: err.message }, `advert transport: ${err.message}`),
    });
    this.deps.transport = this.transport;
    for (const inst of config.instances) this.runners.add(inst, endpoints.byInstance.get(inst.name) as string);
    this.rebuildSyncGroups();
    await this.cleanLeftoverVips(endpoints.sources);
    await this.statics.start(config);
    for (const inst of config.instances) await this.ensureVirtualMac(inst);
    for (const [name, script] of Object.entries(config.scripts)) this.tracked.addScript(name, script);
    for (const [name, file] of Object.entries(config.files)) await this.tracked.addFile(name, file);
    await this.tracked.watchLinks(config);
    await this.hostWatch.start();
  }

  /**
   * Cluster mode's announcer, made for the config's `announce` (a reload that changes its BIRD
   * settings makes it anew; none without `announce`, or in a dry run, or without a speaker seam).
   */
  private makeCluster(): void {
    const { seams, log, dryRun } = this.options;
    const bird = this.config.announce?.bird;
    const key = JSON.stringify(bird ?? null);
    if (key === this.clusterKey) return;
    this.clusterKey = key;
    this.cluster = bird && seams.routeAnnouncer && !dryRun
      ? new ClusterAnnounce({
          announcer: seams.routeAnnouncer(bird),
          vips: seams.vips,
          log: log.child({ component: 'announce' }),
          clock: seams.clock,
          config: () => this.config,
          hasQuorum: (service) => this.services.hasQuorum(service),
        })
      : undefined;
  }

  /** Health checks, then the IPVS table, then the routes (cluster mode), the instances and the tracking scripts. */
  async start(): Promise<void> {
    await this.services.start(this.config);
    await this.cluster?.start();
    // Not awaited: a slow iptables must not hold the election back (a takeover before it is
    // in place has no grace).
    void this.grace.start();
    this.retrack();
    for (const runner of this.runners.all()) runner.start();
    this.tracked.startScripts();
  }

  private rebuildSyncGroups(): void {
    const { seams, log } = this.options;
    this.groups = new SyncGroups(this.config.sync_groups, this.runners.byName, {
      run: (argv, l) => seams.hooks.run(argv, l),
      alert: (group, to) => {
        if (group.alert) seams.alerts.send(this.config.alerts.smtp, groupAlert(group.name, to), log);
      },
      log,
    });
  }

  /**
   * VIPs a killed earlier run left behind go, on every interface it used (its ledger says which,
   * and the config may have moved an instance since) and on this config's; never one of our
   * advert sources. The ledger is renewed.
   */
  private async cleanLeftoverVips(sources: string[]): Promise<void> {
    const { vips, store } = this.options.seams;
    const leftovers = new Map<string, Set<string>>();
    for (const ledger of [await store.readLedger(), vipLedger(this.config)]) {
      for (const [iface, list] of Object.entries(ledger)) {
        const addresses = list.map((text) => parseVip(text)?.address).filter((a): a is string => a !== undefined && !sources.includes(a));
        leftovers.set(iface, new Set([...(leftovers.get(iface) ?? []), ...addresses]));
      }
    }
    for (const [iface, addresses] of leftovers) {
      // An interface gone since holds nothing.
      const stale = (await vips.list(iface).catch(() => [])).filter((v) => addresses.has(v.address));
      if (!stale.length) continue;
      await vips.remove(iface, stale);
      const removed = stale.map((v) => `${v.address}/${v.prefix}`);
      this.options.log.warn({ iface, removed }, `removed VIPs left by an earlier run on ${iface}: ${removed.join(', ')}`);
    }
    await this.writeLedger();
  }

  /**
   * Makes an instance's virtual MAC interface, if it has one. A failure is a fault of the
   * instance (shown in status, the VIPs left to the peer), not a daemon that will not start.
   */
  private async ensureVirtualMac(inst: InstanceConfig): Promise<void> {
    const spec = virtualMacSpec(inst);
    const vmacs = this.options.seams.vmacs;
    if (!spec || !vmacs) return;
    try {
      await vmacs.ensure(spec);
      this.vmacFaults.delete(inst.name);
      this.options.log.info({ instance: inst.name, vmac: spec.name, mac: virtualMacAddress(spec.vrid) }, `virtual MAC ${virtualMacAddress(spec.vrid)} up on ${spec.name} (on ${spec.parent})`);
    } catch (err) {
      const why = `virtual MAC ${spec.name}: ${(err as Error).message}`;
      this.vmacFaults.set(inst.name, why);
      this.options.log.error({ instance: inst.name, vmac: spec.name }, `instance ${inst.name}: cannot make its ${why}`);
    }
  }

  /** Removes the virtual MAC interfaces of `before` that `after` does not have (all of them at stop). */
  private async removeVirtualMacs(before: Config, after?: Config): Promise<void> {
    const kept = new Set((after?.instances ?? []).map((i) => virtualMacSpec(i)?.name).filter(Boolean));
    for (const inst of before.instances) {
      const spec = virtualMacSpec(inst);
      if (!spec || kept.has(spec.name)) continue;
      await this.options.seams.vmacs?.remove(spec.name).catch((err: Error) => this.options.log.warn({ vmac: spec.name }, `cannot remove the virtual MAC interface ${spec.name}: ${err.message}`));
    }
  }

  private writeLedger(): Promise<void> {
    return this.options.seams.store.writeLedger(vipLedger(this.config));
  }

  /** Recomputes every instance's priority and faults from its links, scripts and services. */
  private retrack(): void {
    const effects = trackInstances(this.config, {
      linkDown: (iface) => this.tracked.linkDownWhy(iface),
      scriptUp: (name) => this.tracked.scriptUp(name),
      fileValue: (name) => this.tracked.fileValue(name),
      hasQuorum: (service) => this.services.hasQuorum(service),
    });
    for (const runner of this.runners.all()) {
      const effect = effects.get(runner.name);
      if (!effect) continue;
      const before = runner.ownFaults().join('|');
      runner.setPriority(effect.priority);
      runner.setFaults('tracking', effect.faults);
      const vmac = this.vmacFaults.get(runner.name);
      runner.setFaults('virtual-mac', vmac ? [vmac] : []);
      if (runner.ownFaults().join('|') !== before) this.groups?.onFaultsChanged(runner);
    }
  }

  /**
   * Executes a reload's plan (src/daemon/reload-plan.ts) for the new config, step by step.
   * Only the first step can fail; it changes nothing when it does.
   */
  applyReload(next: Pick<LoadedConfig, 'config' | 'auth'>, steps: ReloadStep[]): Promise<void> {
    if (this.stopping) return Promise.reject(new Error('tandem is stopping'));
    // A stop waits for it: it would otherwise stop the instances while the reload adds some.
    const applying = this.execute(next, steps);
    this.applying = applying.catch(() => undefined);
    return applying;
  }

  private async execute(next: Pick<LoadedConfig, 'config' | 'auth'>, steps: ReloadStep[]): Promise<void> {
    const stopping: Promise<void>[] = [];
    const before = this.config;
    for (const step of steps) {
      switch (step.do) {
        case 'prepare-transport':
          await this.transport?.prepare(step.sources, step.joinOn);
          break;
        case 'adopt-config':
          // What needs a restart was refused by the plan: the transport is the same.
          this.loaded = next;
          if (step.auth) this.deps.auth = next.auth;
          if (step.garp) Object.assign(this.deps.garp, garpSettings(next.config));
          // The grace's rules follow the new services, VIPs and takeover_grace (the rest of
          // ipvs.sync_daemon needs a restart); nothing is run when they are unchanged.
          void this.grace.start();
          break;
        case 'stop-script':
          this.tracked.stopScript(step.name);
          break;
        case 'start-script':
          this.tracked.addScript(step.name, this.config.scripts[step.name] as ScriptConfig, true);
          break;
        case 'stop-file':
          this.tracked.stopFile(step.name);
          break;
        case 'start-file':
          await this.tracked.addFile(step.name, this.config.files[step.name] as TrackedFileConfig);
          break;
        case 'stop-instance': {
          // It still hears adverts while it leaves: its successor's first one lets go of the VIPs.
          stopping.push(this.runners.remove(step.name));
          break;
        }
        case 'reconfigure-instance':
          this.runners.get(step.name)?.reconfigure(this.instanceConfig(step.name));
          break;
        case 'move-instance':
          this.runners.get(step.name)?.move(this.instanceConfig(step.name), step.source);
          break;
        case 'create-instance':
          // A restarted instance's old runner has let go of its VIPs before the new one starts.
          await Promise.all(stopping.splice(0));
          await this.ensureVirtualMac(this.instanceConfig(step.name));
          this.runners.add(this.instanceConfig(step.name), step.source);
          break;
        case 'rebuild-sync-groups':
          await Promise.all(stopping.splice(0));
          this.rebuildSyncGroups();
          break;
        case 'watch-links':
          await this.tracked.watchLinks(this.config);
          break;
        case 'retrack':
          this.retrack();
          break;
        case 'start-instance':
          this.runners.get(step.name)?.start();
          break;
        case 'write-ledger':
          await this.writeLedger();
          break;
        case 'services':
          await this.services.reconfigure(this.config);
          break;
        case 'ipvs-options':
          await this.services.setOptions(this.config);
          break;
        case 'ipvs-timeouts':
          await this.services.setTimeouts(this.config);
          break;
        case 'statics':
          await this.statics.update(this.config);
          break;
        case 'release-transport':
          await Promise.all(stopping.splice(0));
          // The instances that held them have let go of their VIPs.
          await this.removeVirtualMacs(before, this.config);
          await this.reconfigureCluster(before);
          await this.transport?.retain(step.sources, step.joinOn);
          break;
      }
    }
  }

  /** After a reload: routes and addresses follow the new config (a new speaker: the old one withdraws first). */
  private async reconfigureCluster(before: Config): Promise<void> {
    if (JSON.stringify(before.announce?.bird ?? null) !== JSON.stringify(this.config.announce?.bird ?? null)) {
      await this.cluster?.stop();
      this.makeCluster();
      await this.cluster?.start();
    } else {
      await this.cluster?.update();
    }
  }

  /** drain-director: withdraws every route (true) or announces again (false); the routes announced after. */
  async drainDirector(drained: boolean): Promise<ClusterStatus> {
    if (!this.cluster) throw new Error('no announce section in the config: this director is not in cluster mode');
    await this.cluster.setDrained(drained);
    return this.cluster.status();
  }

  private instanceConfig(name: string): InstanceConfig {
    return this.config.instances.find((i) => i.name === name) as InstanceConfig;
  }

  /** Runners by name: one, or all when no name is given. */
  select(name: unknown): InstanceRunner[] {
    return this.runners.select(name);
  }

  get instanceNames(): string[] {
    return [...this.runners.byName.keys()];
  }

  /** Drains (or restores) a real server: ADDRESS:PORT or ADDRESS. */
  drain(server: string, drained: boolean): Promise<string[]> {
    return this.services.drain(server, drained);
  }

  /** Reconciles IPVS at once: the IPVS status after it, as JSON in UTF-8. */
  reconcile(): Promise<Uint8Array> {
    return this.services.reconcile();
  }

  /** The VRRP side's status; the services' is servicesStatus(). */
  status(): DirectorStatus {
    return {
      role: this.config.announce ? 'cluster' : this.config.instances.length ? 'pair' : 'checker-only',
      instances: this.runners.all().map((r) => r.status()),
      cluster: this.cluster?.status() ?? null,
      adverts: this.intake.stats(),
      auth: { type: this.auth.type, keys: this.auth.type === 'hmac-sha256' ? (this.auth.ids?.all ?? null) : null, active: this.auth.type === 'hmac-sha256' ? (this.auth.ids?.active ?? null) : null },
    };
  }

  /** The services' health and IPVS figures (a ServicesSnapshot), as JSON in UTF-8. */
  servicesStatus(): Promise<Uint8Array> {
    return this.services.status();
  }

  /** The services' metrics, as Prometheus text in UTF-8. */
  servicesMetrics(): Promise<Uint8Array> {
    return this.services.metrics();
  }

  /** Graceful stop: priority-0 adverts, VIPs removed, stop hooks run, transport closed. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.applying;
      // The routers stop sending flows here before anything else stops.
      await this.cluster?.stop();
      this.hostWatch.stop();
      this.tracked.stop();
      await this.services.stopChecks();
      await Promise.all(this.runners.all().map((r) => r.stop()));
      await this.statics.stop();
      await this.removeVirtualMacs(this.config);
      await this.options.seams.hooks.drain();
      await this.options.seams.alerts.drain();
      await this.services.stop();
      await this.grace.stop();
      this.options.seams.vips.close();
      this.options.seams.announcer.close();
      await this.transport?.close();
      await this.intake.stop();
    })();
    return this.stopping;
  }
}

/** The VIPs of a config by interface: what a later start removes if this run is killed. */
function vipLedger(config: Config): Record<string, string[]> {
  const ledger: Record<string, string[]> = {};
  for (const inst of config.instances) for (const { iface, vips } of vipPlaces(inst)) (ledger[iface] ??= []).push(...vips.map((v) => `${v.address}/${v.prefix}`));
  return ledger;
}

import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { ConfigDiff } from '../config/diff.js';
import { diffConfigs } from '../config/diff.js';
import { ConfigError, formatIssue } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import type { LoadedConfig } from '../config/load.js';
import type { Config, InstanceConfig, ScriptConfig } from '../config/schema.js';
import { parseVip } from '../config/vip.js';
import type { Vip } from '../config/vip.js';
import { ArpingAnnouncer } from '../net/garp.js';
import type { Announcer } from '../net/garp.js';
import { LinkWatcher } from '../net/link.js';
import { IpVipManager } from '../net/vips.js';
import type { VipManager } from '../net/vips.js';
import { desiredTable } from '../ipvs/desired.js';
import { classify, IpvsadmDriver } from '../ipvs/driver.js';
import type { IpvsDriver } from '../ipvs/driver.js';
import { Reconciler } from '../ipvs/reconciler.js';
import type { IpvsStatus } from '../ipvs/reconciler.js';
import { SyncDaemonControl } from '../ipvs/sync-daemon.js';
import { formatHostPort } from '../ipvs/model.js';
import { ProcessMonitor } from '../observe/process-stats.js';
import { LogRateLimit } from '../observe/rate-limit.js';
import type { ProcessStats } from '../observe/process-stats.js';
import { decodeAdvert } from '../vrrp/codec.js';
import { ReplayGuard } from '../vrrp/replay.js';
import { UdpTransport } from '../vrrp/transport.js';
import type { ControlRequest } from './control.js';
import { ControlServer } from './control.js';
import { ConfigWatcher } from './config-watch.js';
import type { WatchStatus } from './config-watch.js';
import { HookRunner } from './hooks.js';
import { InstanceRunner } from './instance.js';
import type { InstanceDeps, InstanceStatus } from './instance.js';
import { ScriptTracker } from './script-tracker.js';
import { StateDir } from './state-dir.js';
import { ServiceSupervisor } from './services.js';
import type { ServiceHealthStatus } from './services.js';
import { SyncGroups } from './sync-groups.js';
import type { Tracked } from './tracking.js';
import { groupTracked, trackedEffect } from './tracking.js';

export interface DaemonOptions {
  stateDir: string;
  log: Logger;
  /** IPVS: print the batch it would apply, apply nothing. */
  dryRun?: boolean;
  vips?: VipManager;
  announcer?: Announcer;
  ipvs?: IpvsDriver;
}

export interface DaemonStatus {
  pid: number;
  config: string;
  startedAt: string;
  instances: InstanceStatus[];
  adverts: { received: number; rejected: Record<string, number> };
  ipvs: (IpvsStatus & { syncDaemon: string | null }) | null;
  services: ServiceHealthStatus[];
  process: ProcessStats;
  reload: { ok: number; failed: number; last: ReloadRecord | null; pendingRestart: string[]; watch: WatchStatus | null };
}

export interface ReloadRecord {
  at: string;
  trigger: string;
  ok: boolean;
  /** What changed, one line each. */
  summary: string[];
  /** Why the file was refused (file:line:column lines), or null. */
  error: string | null;
  ms: number;
}

/** A reload refused because the new file is invalid; the message has every problem. */
export class ReloadError extends Error {}

/** Wires the instances to the network, the links, the scripts and the control socket. */
export class Daemon {
  private readonly runners = new Map<string, InstanceRunner>();
  private readonly byVrid = new Map<number, InstanceRunner>();
  private linkDown = new Map<string, string | undefined>();
  private linkKey = '';
  private deps?: InstanceDeps;
  private readonly scripts = new Map<string, ScriptTracker>();
  private readonly replay = new ReplayGuard();
  private readonly rejectLog = new LogRateLimit();
  private readonly hooks = new HookRunner();
  private readonly stats = { received: 0, rejected: {} as Record<string, number> };
  private readonly startedAt = new Date();
  private transport?: UdpTransport;
  private links?: LinkWatcher;
  private control?: ControlServer;
  private groups?: SyncGroups;
  private stopping?: Promise<void>;
  private closeHelpers?: () => void;
  private reconciler?: Reconciler;
  private syncDaemon?: SyncDaemonControl;
  private services?: ServiceSupervisor;
  private readonly processMonitor = new ProcessMonitor();
  private reloading?: Promise<ReloadRecord>;
  private reloadAgain = false;
  private readonly reloads = { ok: 0, failed: 0 };
  private lastReload: ReloadRecord | null = null;
  private pendingRestart: string[] = [];
  private driver?: IpvsDriver;
  private tableApplied?: Promise<void>;
  private metrics?: { key: string; close: () => Promise<void> };
  private watcher?: ConfigWatcher;
  private dryRun = false;
  /** Commands other than status wait for the boot to finish. */
  private booted = false;

  private constructor(
    private loaded: LoadedConfig,
    private readonly state: StateDir,
    private readonly log: Logger,
  ) {}

  static async start(loaded: LoadedConfig, options: DaemonOptions): Promise<Daemon> {
    const state = new StateDir(options.stateDir);
    await state.claim();
    const daemon = new Daemon(loaded, state, options.log);
    daemon.driver = options.ipvs ?? new IpvsadmDriver();
    daemon.dryRun = options.dryRun ?? false;
    try {
      await daemon.boot(options.vips ?? new IpVipManager(), options.announcer ?? new ArpingAnnouncer());
    } catch (err) {
      await daemon.stop();
      throw err;
    }
    return daemon;
  }

  private async boot(vips: VipManager, announcer: Announcer): Promise<void> {
    const { config, auth } = this.loaded;
    this.closeHelpers = () => {
      vips.close();
      announcer.close();
    };
    const epoch = await this.state.nextEpoch();
    const endpoints = advertEndpoints(config);
    this.transport = await UdpTransport.open({
      port: config.transport.port,
      group: config.transport.multicast_group,
      sources: endpoints.sources,
      joinOn: endpoints.joinOn,
      onPacket: (packet, from) => this.onPacket(packet, from),
      onError: (err) => this.log.error({ err: err.message }, `advert transport: ${err.message}`),
    });
    // One object shared by every runner: a reload updates auth and garp in place.
    this.deps = {
      transport: this.transport,
      vips,
      announcer,
      hooks: this.hooks,
      auth,
      epoch,
      garp: garpSettings(config),
      log: this.log,
      now: () => performance.now(),
      onTransition: (r, from, to) => {
        this.groups?.onTransition(r, from, to);
      },
    };
    for (const inst of config.instances) this.addRunner(inst, endpoints.byInstance.get(inst.name) as string);
    this.groups = new SyncGroups(config.sync_groups, this.runners, { run: (argv, log) => this.hooks.run(argv, log), log: this.log });
    await this.cleanLeftoverVips();

    for (const [name, script] of Object.entries(config.scripts)) {
      this.scripts.set(name, new ScriptTracker(name, script, this.log, () => this.retrack()));
    }
    await this.watchLinks();
    // Status answers from here on (instances in INIT while the rest boots).
    this.control = await ControlServer.listen(this.state.socketPath, (req) => this.handle(req));
    await this.startServices();
    // The IPVS table is in the kernel (or its first pass has failed and retries) before any
    // instance may become MASTER: an address owner takes the VIPs at once.
    await this.bootIpvs(this.driver as IpvsDriver, this.dryRun);
    this.retrack();
    for (const runner of this.runners.values()) runner.start();
    this.booted = true;
    for (const script of this.scripts.values()) script.start();
    this.watcher = new ConfigWatcher((file) => {
      this.reload(`file ${file} changed`).catch(() => undefined);
    });
    await this.watcher.watch(watchedFiles(this.loaded));
    await this.startMetrics();
    this.log.info({ config: this.loaded.file, instances: [...this.runners.keys()], epoch }, 'tandem started');
  }

  /**
   * IPVS: the connection timeouts, the sync daemon (both roles), and the table kept
   * equal to virtual_services. Both directors do this whatever their VRRP state.
   */
  private async bootIpvs(driver: IpvsDriver, dryRun: boolean): Promise<void> {
    const { ipvs, virtual_services: services } = this.loaded.config;
    if (!services.length && !ipvs.timeouts && !ipvs.sync_daemon) return;
    const log = this.log.child({ component: 'ipvs' });
    if (ipvs.timeouts && !dryRun) {
      await driver.setTimeouts(ipvs.timeouts.tcp, ipvs.timeouts.tcpfin, ipvs.timeouts.udp).catch((err: unknown) => log.error(`IPVS timeouts: ${classify(err).message}`));
    }
    if (ipvs.sync_daemon && !dryRun) {
      const { interface: iface, sync_id: syncId, max_message_bytes: maxMessageBytes } = ipvs.sync_daemon;
      this.syncDaemon = new SyncDaemonControl(driver, { interface: iface, syncId, maxMessageBytes }, log);
      await this.syncDaemon.start();
    }
    this.reconciler = new Reconciler(driver, { exclusive: ipvs.exclusive, repairIntervalMs: ipvs.repair_interval * 1000, dryRun, log });
    await this.reconciler.setDesired(this.services?.table() ?? desiredTable(services));
  }

  /** Health checks, drains and quorum; their table goes to IPVS, their quorum to the priorities. */
  private async startServices(): Promise<void> {
    if (!this.loaded.config.virtual_services.length) return;
    this.services = new ServiceSupervisor(this.loaded.config, {
      log: this.log.child({ component: 'health' }),
      state: this.state,
      onTable: (table) => {
        this.tableApplied = this.reconciler?.setDesired(table);
      },
      onQuorum: () => this.retrack(),
    });
    await this.services.start();
  }

  private addRunner(inst: InstanceConfig, source: string): InstanceRunner {
    const runner = new InstanceRunner(inst, source, this.deps as InstanceDeps);
    this.runners.set(inst.name, runner);
    this.byVrid.set(inst.vrid, runner);
    return runner;
  }

  /** Serves /metrics as configured; a reload that changes the address or port moves it. */
  private async startMetrics(): Promise<void> {
    const m = this.loaded.config.metrics;
    const key = m.enabled ? `${m.address} ${m.port}` : '';
    if (this.metrics?.key === key) return;
    await this.metrics?.close();
    this.metrics = undefined;
    if (!m.enabled) return;
    try {
      // prom-client is loaded only when metrics are on.
      const { createRegistry, serveMetrics } = await import('../observe/metrics.js');
      const served = await serveMetrics(createRegistry(() => this.status()), m.address, m.port);
      this.metrics = { key, close: served.close };
      this.log.info({ address: m.address, port: served.port }, `metrics on http://${formatHostPort(m.address, served.port)}/metrics`);
    } catch (err) {
      this.log.error({ address: m.address, port: m.port }, `metrics: cannot listen on ${formatHostPort(m.address, m.port)}: ${(err as Error).message}`);
    }
  }

  /** Watches the instances' and tracked interfaces; a reload calls it again for a new set. */
  private async watchLinks(): Promise<void> {
    const ifaces = new Set(this.loaded.config.instances.flatMap((i) => [i.interface, ...i.track_interfaces.map(trackedName)]));
    const key = [...ifaces].sort().join(' ');
    if (this.links && key === this.linkKey) return;
    this.links?.stop();
    this.linkKey = key;
    const fresh = new Map<string, string | undefined>();
    let ready = false;
    this.links = new LinkWatcher([...ifaces], (iface, down) => {
      fresh.set(iface, down);
      if (ready || fresh.size === ifaces.size) {
        ready = true;
        this.linkDown = fresh;
        if (this.runners.size) this.retrack();
      }
    });
    await this.links.start();
  }

  /** VIPs a killed earlier run left behind: this config's and those its ledger recorded. */
  private async cleanLeftoverVips(): Promise<void> {
    const ledger = await this.state.readLedger();
    for (const runner of this.runners.values()) {
      const recorded = (ledger[runner.config.interface] ?? []).map(parseVip).filter((v): v is Vip => v !== undefined);
      const removed = await runner.cleanLeftovers(recorded);
      if (removed.length) runner.log.warn({ removed }, `removed VIPs left by an earlier run: ${removed.join(', ')}`);
    }
    const next: Record<string, string[]> = {};
    for (const inst of this.loaded.config.instances) (next[inst.interface] ??= []).push(...inst.vips);
    await this.state.writeLedger(next);
  }

  /** Recomputes every instance's priority and faults from its links and scripts. */
  private retrack(): void {
    const own = new Map<string, Tracked[]>();
    for (const runner of this.runners.values()) {
      const inst = runner.config;
      const link = (name: string, weight: number): Tracked => ({ name, up: !this.linkDown.get(name), weight, why: this.linkDown.get(name) });
      own.set(inst.name, [
        link(inst.interface, 0),
        ...inst.track_interfaces.map((t) => link(trackedName(t), typeof t === 'string' ? 0 : t.weight)),
        ...inst.track_scripts.map((name) => {
          const script = this.scripts.get(name) as ScriptTracker;
          return { name: `script ${name}`, up: script.up, weight: this.loaded.config.scripts[name]?.weight ?? 0 };
        }),
        ...inst.track_services.map((t) => {
          const name = typeof t === 'string' ? t : t.service;
          return { name: `service ${name}`, up: this.services?.hasQuorum(name) ?? true, weight: typeof t === 'string' ? 0 : t.weight, why: `service ${name} below its quorum` };
        }),
      ]);
    }
    const tracked = groupTracked(own, this.loaded.config.sync_groups.map((g) => g.instances));
    for (const runner of this.runners.values()) {
      const { priority, faults } = trackedEffect(runner.config.priority, tracked.get(runner.name) ?? []);
      const before = runner.ownFaults().join('|');
      runner.setPriority(priority);
      runner.setFaults('tracking', faults);
      if (runner.ownFaults().join('|') !== before) this.groups?.onFaultsChanged(runner);
    }
  }

  private onPacket(packet: Buffer, from: string): void {
    const decoded = decodeAdvert(packet, this.loaded.auth);
    if (!decoded.ok) return this.reject(decoded.reason, decoded.message, from);
    const advert = decoded.advert;
    const runner = this.byVrid.get(advert.vrid);
    if (!runner) return this.reject('unknown-vrid', `vrid ${advert.vrid} is not configured here`, from);
    if (advert.sender === runner.address) return; // our own, looped back
    const replay = this.replay.check(advert);
    if (replay) return this.reject('replay', replay, from);
    this.stats.received += 1;
    runner.receive(advert);
  }

  private reject(reason: string, message: string, from: string): void {
    this.stats.rejected[reason] = (this.stats.rejected[reason] ?? 0) + 1;
    // A wrong key or a replay is someone else on the link, or a peer set up differently:
    // worth a person's eye at once, then once a minute while it goes on.
    // (Another router's VRID on a shared link is ordinary: that one stays at debug.)
    const count = reason === 'unknown-vrid' ? 0 : this.rejectLog.note(`${reason} ${from}`, performance.now());
    if (count) this.log.warn({ from, reason, count }, `${count === 1 ? 'advert' : `${count} adverts`} from ${from} rejected: ${message}`);
    else this.log.debug({ from, reason }, `advert from ${from} rejected: ${message}`);
  }

  private async handle(req: ControlRequest): Promise<unknown> {
    if (!this.booted && req.command !== 'status') throw new Error(`tandem is still starting; ${String(req.command)} is taken once it runs (tandem status shows the instances leaving INIT)`);
    switch (req.command) {
      case 'status':
        return this.status();
      case 'reconcile':
        if (!this.reconciler) throw new Error('no virtual_services in the config');
        await this.reconciler.reconcile();
        return this.reconciler.status();
      case 'reload':
        return this.reload('tandem reload');
      case 'garp': {
        const masters = this.select(req.instance).filter((r) => r.state === 'MASTER');
        for (const r of masters) r.garp();
        return { announced: masters.map((r) => r.name) };
      }
      case 'drain':
      case 'undrain': {
        if (!this.services) throw new Error('no virtual_services in the config');
        if (typeof req.server !== 'string') throw new Error(`${req.command} needs a server: ADDRESS:PORT or ADDRESS`);
        return { [req.command === 'drain' ? 'drained' : 'restored']: await this.services.drain(req.server, req.command === 'drain') };
      }
      case 'step-down': {
        const targets = this.select(req.instance);
        const holdMs = typeof req.holdSeconds === 'number' ? req.holdSeconds * 1000 : Infinity;
        for (const r of targets) r.stepDown(holdMs);
        return { steppedDown: targets.map((r) => r.name) };
      }
      default:
        throw new Error(`unknown command "${req.command}" (known: status, reload, garp, step-down, drain, undrain, reconcile)`);
    }
  }

  private select(name: unknown): InstanceRunner[] {
    if (name === undefined) return [...this.runners.values()];
    const runner = this.runners.get(String(name));
    if (!runner) throw new Error(`no instance named "${String(name)}" (known: ${[...this.runners.keys()].join(', ')})`);
    return [runner];
  }

  /**
   * Reloads the config file: validates all of it first (an invalid file changes nothing and
   * throws), then applies the difference piece by piece. Reloads run one at a time; one asked
   * for while another runs is run again after it, once.
   */
  reload(trigger: string): Promise<ReloadRecord> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = this.reloadOnce(trigger).finally(() => {
      this.reloading = undefined;
      if (this.reloadAgain) {
        this.reloadAgain = false;
        void this.reload(trigger).catch(() => undefined);
      }
    });
    return this.reloading;
  }

  private async reloadOnce(trigger: string): Promise<ReloadRecord> {
    const started = performance.now();
    // A watch that died (its directory gone for a while) is set up again by any reload.
    await this.watcher?.watch(watchedFiles(this.loaded));
    let next: LoadedConfig;
    try {
      next = await loadConfig(this.loaded.file);
    } catch (err) {
      const error = err instanceof ConfigError ? err.issues.map(formatIssue).join('\n') : (err as Error).message;
      throw this.refused(trigger, started, error, [], 'reload refused; the running config stays');
    }
    const diff = diffConfigs(this.loaded.config, next.config);
    for (const w of next.warnings) this.log.warn({ rule: w.rule }, `config: ${formatIssue(w)}`);
    try {
      // What can still fail on this machine is checked before anything changes: every source
      // address exists, and the new ones can send and join the group (a moved instance would
      // otherwise keep its state with no socket to advertise from: two masters).
      const endpoints = advertEndpoints(next.config);
      await this.transport?.prepare(endpoints.sources, endpoints.joinOn);
      await this.apply(next, diff, endpoints.byInstance);
      await this.transport?.retain(endpoints.sources, endpoints.joinOn);
    } catch (err) {
      throw this.refused(trigger, started, (err as Error).message, diff.summary, 'reload failed');
    }
    this.reloads.ok += 1;
    const summary = diff.summary.length ? diff.summary : ['no change'];
    this.lastReload = { at: new Date().toISOString(), trigger, ok: true, summary, error: null, ms: Math.round(performance.now() - started) };
    this.pendingRestart = diff.needsRestart;
    await this.watcher?.watch(watchedFiles(this.loaded));
    await this.startMetrics();
    this.log.info({ trigger, changes: summary, ms: this.lastReload.ms }, `reloaded (${trigger}): ${summary.join('; ')}`);
    return this.lastReload;
  }

  /** Records and logs a reload that did not happen (or not wholly); returns the error to throw. */
  private refused(trigger: string, started: number, error: string, summary: string[], what: string): ReloadError {
    this.reloads.failed += 1;
    this.lastReload = { at: new Date().toISOString(), trigger, ok: false, summary, error, ms: Math.round(performance.now() - started) };
    this.log.error({ trigger, error }, `${what}: ${error}`);
    return new ReloadError(error);
  }

  /** Applies a validated config's difference: only what changed is touched. */
  private async apply(next: LoadedConfig, diff: ConfigDiff, sources: Map<string, string>): Promise<void> {
    const deps = this.deps as InstanceDeps;
    const config = next.config;
    // What needs a restart keeps its old value: the transport stays as it is.
    this.loaded = { ...next, config: { ...config, transport: this.loaded.config.transport } };
    deps.auth = next.auth;
    Object.assign(deps.garp, garpSettings(config));
    for (const name of [...diff.scripts.removed, ...diff.scripts.changed]) {
      this.scripts.get(name)?.stop();
      this.scripts.delete(name);
    }
    for (const name of [...diff.scripts.added, ...diff.scripts.changed]) {
      const script = new ScriptTracker(name, config.scripts[name] as ScriptConfig, this.log, () => this.retrack());
      this.scripts.set(name, script);
      script.start();
    }
    const gone = [...diff.instances.removed, ...diff.instances.restarted.map((c) => c.name)];
    await Promise.all(
      gone.map(async (name) => {
        const runner = this.runners.get(name) as InstanceRunner;
        this.runners.delete(name);
        this.byVrid.delete(runner.config.vrid);
        await runner.stop();
      }),
    );
    const fresh: InstanceRunner[] = [];
    for (const inst of config.instances) {
      const runner = this.runners.get(inst.name);
      if (runner) runner.reconfigure(inst);
      else fresh.push(this.addRunner(inst, sources.get(inst.name) as string));
    }
    if (diff.syncGroups || fresh.length || gone.length) this.groups = new SyncGroups(config.sync_groups, this.runners, { run: (argv, log) => this.hooks.run(argv, log), log: this.log });
    await this.watchLinks();
    this.retrack();
    for (const runner of fresh) runner.start();
    const ledger: Record<string, string[]> = {};
    for (const inst of config.instances) (ledger[inst.interface] ??= []).push(...inst.vips);
    await this.state.writeLedger(ledger);
    if (this.services) await this.services.reconfigure(config);
    else if (config.virtual_services.length) await this.startServices();
    // The reload is done when the new table is in the kernel (or printed, with --dry-run).
    await this.tableApplied;
    if (this.reconciler) {
      this.reconciler.setOptions({ exclusive: config.ipvs.exclusive, repairIntervalMs: config.ipvs.repair_interval * 1000 });
      if (!this.services) void this.reconciler.setDesired([]);
    } else if (this.driver && config.virtual_services.length) {
      await this.bootIpvs(this.driver, this.dryRun);
    }
    if (diff.ipvs.includes('timeouts') && config.ipvs.timeouts && this.reconciler && !this.reconciler.status().dryRun) {
      const t = config.ipvs.timeouts;
      await this.driver?.setTimeouts(t.tcp, t.tcpfin, t.udp).catch((err: unknown) => this.log.error(`IPVS timeouts: ${classify(err).message}`));
    }
    if (diff.ipvs.includes('sync_daemon')) this.pendingRestart.push('ipvs.sync_daemon');
  }

  status(): DaemonStatus {
    return {
      pid: process.pid,
      config: this.loaded.file,
      startedAt: this.startedAt.toISOString(),
      instances: [...this.runners.values()].map((r) => r.status()),
      adverts: { received: this.stats.received, rejected: { ...this.stats.rejected } },
      ipvs: this.reconciler ? { ...this.reconciler.status(), syncDaemon: this.syncDaemon?.roles.join('+') || null } : null,
      services: this.services?.status() ?? [],
      process: this.processMonitor.stats(),
      reload: { ...this.reloads, last: this.lastReload, pendingRestart: [...this.pendingRestart], watch: this.watcher?.status() ?? null },
    };
  }

  /** Graceful stop: priority-0 adverts, VIPs removed, stop hooks run, files released. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.watcher?.close();
      await this.metrics?.close();
      this.links?.stop();
      this.reconciler?.stop();
      await this.services?.stop();
      this.processMonitor.stop();
      for (const s of this.scripts.values()) s.stop();
      await Promise.all([...this.runners.values()].map((r) => r.stop()));
      await this.hooks.drain();
      await this.syncDaemon?.stop();
      this.closeHelpers?.();
      await this.control?.close();
      await this.transport?.close();
      await this.state.release();
      this.log.info('tandem stopped');
    })();
    return this.stopping;
  }
}

/** The config file and the key file it names: a change to either reloads. */
function watchedFiles(loaded: LoadedConfig): string[] {
  const auth = loaded.config.auth;
  return [loaded.file, ...(typeof auth === 'object' && 'key_file' in auth ? [auth.key_file] : [])];
}

function garpSettings(config: Config): InstanceDeps['garp'] {
  return {
    repeat: config.garp.repeat,
    delayMs: config.garp.delay * 1000,
    refreshMs: config.garp.refresh * 1000,
    refreshRepeat: config.garp.refresh_repeat,
  };
}

function trackedName(t: InstanceConfig['track_interfaces'][number]): string {
  return typeof t === 'string' ? t : t.interface;
}

/**
 * Each instance's advert source (read from the interfaces once), the distinct sources, and
 * those on whose interface to join the group.
 */
function advertEndpoints(config: Config): { byInstance: Map<string, string>; sources: string[]; joinOn: string[] } {
  const byInstance = new Map(config.instances.map((inst) => [inst.name, sourceAddress(inst)]));
  const multicast = config.instances.filter((i) => !i.unicast_peers?.length).map((i) => byInstance.get(i.name) as string);
  return { byInstance, sources: [...new Set(byInstance.values())], joinOn: [...new Set(multicast)] };
}

/** The instance's advert source: configured, or the interface's first IPv4 address that is not a VIP. */
function sourceAddress(inst: InstanceConfig): string {
  if (inst.source_address) return inst.source_address;
  const vips = new Set(inst.vips.map((v) => parseVip(v)?.address));
  const addrs = os.networkInterfaces()[inst.interface] ?? [];
  const found = addrs.find((a) => a.family === 'IPv4' && !vips.has(a.address));
  if (!found) {
    throw new Error(`instance ${inst.name}: interface ${inst.interface} has no IPv4 address of its own; add one or set source_address`);
  }
  return found.address;
}

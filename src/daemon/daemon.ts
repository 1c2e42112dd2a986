import type { Logger } from 'pino';
import { loadConfig } from '../config/load.js';
import type { LoadedConfig } from '../config/load.js';
import type { IpvsDriver } from '../ipvs/driver.js';
import { formatHostPort } from '../ipvs/model.js';
import type { Announcer } from '../net/garp.js';
import { checkTools } from '../net/tools.js';
import type { VipManager } from '../net/vips.js';
import type { LogFormat } from '../observe/log.js';
import { ProcessMonitor } from '../observe/process-stats.js';
import type { ProcessStats } from '../observe/process-stats.js';
import type { ControlRequest } from './control.js';
import { ControlServer } from './control.js';
import { ConfigWatcher } from './config-watch.js';
import type { WatchStatus } from './config-watch.js';
import { Director } from './director.js';
import type { DirectorStatus } from './director.js';
import { Reloader } from './reload.js';
import type { ReloadRecord, ReloadStatus } from './reload.js';
import { systemSeams } from './seams.js';
import type { ServicesDeps, ServicesSnapshot } from './services-side.js';
import { RawJson } from './raw-json.js';
import { StateDir } from './state-dir.js';
import { WorkerServicesSide } from './worker-services-side.js';

export { ReloadError } from './reload.js';
export type { ReloadRecord } from './reload.js';

export interface DaemonOptions {
  stateDir: string;
  log: Logger;
  /** IPVS: print the batch it would apply, apply nothing. */
  dryRun?: boolean;
  vips?: VipManager;
  announcer?: Announcer;
  ipvs?: IpvsDriver;
  /** The services thread logs as the daemon does. */
  logFormat?: LogFormat;
}

/** What this thread knows of itself; status adds the services side's (DaemonStatus). */
export interface DaemonCoreStatus extends DirectorStatus {
  pid: number;
  config: string;
  startedAt: string;
  process: ProcessStats & { servicesThread: boolean };
  reload: ReloadStatus & { watch: WatchStatus | null };
}

/** `tandem status`, as the control socket answers it. */
export interface DaemonStatus extends DaemonCoreStatus, ServicesSnapshot {}

/**
 * The daemon process around a director: its state directory, the control socket, the config
 * file and its watcher, and /metrics. The director does the rest over the system's seams.
 */
export class Daemon {
  private director?: Director;
  private services?: WorkerServicesSide;
  private reloader?: Reloader;
  private control?: ControlServer;
  private watcher?: ConfigWatcher;
  private metrics?: { key: string; close: () => Promise<void> };
  private readonly processMonitor = new ProcessMonitor();
  private readonly startedAt = new Date();
  private stopping?: Promise<void>;
  /** Commands other than status wait for the boot to finish. */
  private booted = false;

  private constructor(
    private readonly loaded: LoadedConfig,
    private readonly state: StateDir,
    private readonly log: Logger,
  ) {}

  static async start(loaded: LoadedConfig, options: DaemonOptions): Promise<Daemon> {
    // The system's VIP and ARP helpers must be there before anything starts (tests may inject their own).
    if (!options.vips && !options.announcer) await checkTools(loaded.config);
    const state = new StateDir(options.stateDir);
    await state.claim();
    const daemon = new Daemon(loaded, state, options.log);
    try {
      await daemon.boot(options);
    } catch (err) {
      await daemon.stop();
      throw err;
    }
    return daemon;
  }

  private async boot(options: DaemonOptions): Promise<void> {
    const seams = systemSeams(this.state, options);
    const epoch = await this.state.nextEpoch();
    // Checks, IPVS and reloaded files on a thread of their own, unless an IPVS driver was
    // injected (it lives in this thread).
    const threaded = !options.ipvs;
    const servicesSide = threaded
      ? (deps: ServicesDeps) =>
          (this.services = new WorkerServicesSide(
            { stateDir: this.state.dir, dryRun: options.dryRun ?? false, logLevel: this.log.level, logFormat: options.logFormat ?? 'json' },
            { log: this.log, onQuorum: deps.onQuorum, onCrash: (err) => this.servicesCrashed(err) },
          ))
      : undefined;
    const director = await Director.open(this.loaded, { seams, log: this.log, epoch, dryRun: options.dryRun, ...(servicesSide ? { servicesSide } : {}) });
    this.director = director;
    this.reloader = new Reloader(director, {
      log: this.log,
      clock: seams.clock,
      addresses: seams.addresses,
      // A watch that died (its directory gone for a while) is set up again by any reload.
      before: () => this.watch(),
    });
    // Status answers from here on (instances in INIT while the rest boots).
    this.control = await ControlServer.listen(this.state.socketPath, (req) => this.handle(req));
    await director.start();
    this.booted = true;
    this.watcher = new ConfigWatcher((file) => {
      this.reload(`file ${file} changed`).catch(() => undefined);
    });
    await this.watch();
    await this.startMetrics();
    this.log.info({ config: this.loaded.file, instances: director.instanceNames, epoch }, 'tandem started');
  }

  /**
   * Without its services thread the director cannot keep checks or IPVS: stop as on SIGTERM
   * (the peer takes the VIPs over gracefully) and let the supervisor start tandem again.
   */
  private servicesCrashed(err: Error): void {
    this.log.fatal({ err: err.message }, `the services thread failed (${err.message}); stopping so that the peer takes over`);
    process.kill(process.pid, 'SIGTERM');
  }

  /** The config file and the key file it names: a change to either reloads. */
  private async watch(): Promise<void> {
    const auth = this.director?.config.auth;
    await this.watcher?.watch([this.loaded.file, ...(typeof auth === 'object' && 'key_file' in auth ? [auth.key_file] : [])]);
  }

  /** Serves /metrics as configured; a reload that changes the address or port moves it. */
  private async startMetrics(): Promise<void> {
    const m = (this.director as Director).config.metrics;
    const key = m.enabled ? `${m.address} ${m.port}` : '';
    if (this.metrics?.key === key) return;
    await this.metrics?.close();
    this.metrics = undefined;
    if (!m.enabled) return;
    try {
      // prom-client is loaded only when metrics are on.
      const { createRegistry, serveMetrics } = await import('../observe/metrics.js');
      const registry = createRegistry(() => this.status());
      const render = async () => [`${await registry.metrics()}\n`, await (this.director as Director).servicesMetrics()];
      const served = await serveMetrics(render, m.address, m.port);
      this.metrics = { key, close: served.close };
      this.log.info({ address: m.address, port: served.port }, `metrics on http://${formatHostPort(m.address, served.port)}/metrics`);
    } catch (err) {
      this.log.error({ address: m.address, port: m.port }, `metrics: cannot listen on ${formatHostPort(m.address, m.port)}: ${(err as Error).message}`);
    }
  }

  /**
   * Reloads the config file: an invalid file, or one with a change only a restart applies,
   * changes nothing and throws; otherwise the whole difference is applied.
   */
  async reload(trigger: string): Promise<ReloadRecord> {
    const file = this.loaded.file;
    const load = () => (this.services ? this.services.load(file) : loadConfig(file));
    const record = await (this.reloader as Reloader).reload(trigger, load);
    await this.watch();
    await this.startMetrics();
    return record;
  }

  private async handle(req: ControlRequest): Promise<unknown> {
    if (!this.booted && req.command !== 'status') throw new Error(`tandem is still starting; ${String(req.command)} is taken once it runs (tandem status shows the instances leaving INIT)`);
    const director = this.director as Director;
    switch (req.command) {
      case 'status':
        return RawJson.merge(JSON.stringify(this.status()), await director.servicesStatus());
      case 'reconcile':
        return RawJson.of(await director.reconcile());
      case 'reload':
        return this.reload('tandem reload');
      case 'garp': {
        const masters = director.select(req.instance).filter((r) => r.state === 'MASTER');
        for (const r of masters) r.garp();
        return { announced: masters.map((r) => r.name) };
      }
      case 'drain':
      case 'undrain': {
        if (typeof req.server !== 'string') throw new Error(`${req.command} needs a server: ADDRESS:PORT or ADDRESS`);
        return { [req.command === 'drain' ? 'drained' : 'restored']: await director.drain(req.server, req.command === 'drain') };
      }
      case 'drain-director':
      case 'undrain-director':
        return { cluster: await director.drainDirector(req.command === 'drain-director') };
      case 'step-down': {
        const targets = director.select(req.instance);
        const holdMs = typeof req.holdSeconds === 'number' ? req.holdSeconds * 1000 : Infinity;
        for (const r of targets) r.stepDown(holdMs);
        return { steppedDown: targets.map((r) => r.name) };
      }
      default:
        throw new Error(`unknown command "${req.command}" (known: status, reload, garp, step-down, drain, undrain, drain-director, undrain-director, reconcile)`);
    }
  }

  /** The status of this thread's side (the services thread's is added to it by `status`). */
  status(): DaemonCoreStatus {
    const director = this.director as Director;
    const reload = this.reloader?.status() ?? { ok: 0, failed: 0, last: null, pendingRestart: [] };
    return {
      pid: process.pid,
      config: this.loaded.file,
      startedAt: this.startedAt.toISOString(),
      ...director.status(),
      process: { ...this.processMonitor.stats(), servicesThread: this.services?.running ?? false },
      reload: { ...reload, watch: this.watcher?.status() ?? null },
    };
  }

  /** Graceful stop: priority-0 adverts, VIPs removed, stop hooks run, files released. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.watcher?.close();
      await this.metrics?.close();
      this.processMonitor.stop();
      await this.director?.stop();
      await this.control?.close();
      await this.state.release();
      this.log.info('tandem stopped');
    })();
    return this.stopping;
  }
}

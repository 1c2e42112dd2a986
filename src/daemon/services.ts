import type { Logger } from 'pino';
import { checkId, checkSpecs, serverLabel } from '../check/build.js';
import { isDrained, parseDrainKey } from '../check/drain-key.js';
import type { ServiceEvaluation } from '../check/evaluate.js';
import { evaluateServices } from '../check/evaluate.js';
import type { Health } from '../check/health.js';
import { MaintenanceDir } from '../check/maintenance-dir.js';
import { HealthMonitor } from '../check/monitor.js';
import type { MonitorOptions, MonitorUpdate } from '../check/monitor.js';
import type { ServerState } from '../check/pool.js';
import type { Config, RealServerConfig, VirtualServiceConfig } from '../config/schema.js';
import { serviceName } from '../config/service-name.js';
import { checksOf } from '../config/checks-of.js';
import { desiredTable } from '../ipvs/desired.js';
import type { VirtualService } from '../ipvs/model.js';
import type { Clock } from '../clock.js';
import type { Store } from './seams.js';

export interface ServerStatus {
  server: string;
  check: string | null;
  healthy: boolean;
  drained: 'operator' | 'maintenance-dir' | null;
  /** Weight in the desired table, or null when out of it. */
  weight: number | null;
  last: { ok: boolean; message: string; durationMs: number; at: string } | null;
  lastChange: string | null;
  checks: number;
  failures: number;
}

export interface ServiceHealthStatus {
  service: string;
  quorum: number;
  healthyWeight: number;
  up: boolean;
  sorryServer: boolean;
  servers: ServerStatus[];
}

export interface SupervisorOptions {
  log: Logger;
  state: Pick<Store, 'readDrains' | 'writeDrains'>;
  clock: Clock;
  /**
   * A new desired table (coalesced: at most one per turn of the event loop); may return a
   * promise that settles once the table is in the kernel.
   */
  onTable: (table: VirtualService[]) => Promise<void> | void;
  /** A service gained or lost its quorum. */
  onQuorum: (service: string, up: boolean) => void;
  /** What an operator hears of: a real server up or down, a quorum won or lost (hooks, alerts). */
  events?: ServiceEvents;
  monitor?: Partial<MonitorOptions>;
}

/**
 * The log line, hooks and alerts of a health change wait for its table to be in the kernel,
 * at most this long (an ipvsadm that hangs is killed after 30 s; the operator must hear before).
 */
export const TELL_AFTER_TABLE_MAX_MS = 1000;

export interface ServiceEvents {
  server(vs: VirtualServiceConfig, rs: RealServerConfig, up: boolean, why: string | undefined): void;
  quorum(vs: VirtualServiceConfig, up: boolean, healthyWeight: number, quorum: number): void;
}

/**
 * Health checks, drains and quorum for the virtual services: turns server health into the
 * desired IPVS table and tells the instances which services have their quorum.
 */
export class ServiceSupervisor {
  private readonly monitor: HealthMonitor;
  private maintenance?: MaintenanceDir;
  private drains = new Set<string>();
  private readonly quorum = new Map<string, boolean>();
  private evaluations: ServiceEvaluation[] = [];
  private pending = false;
  private stopped = false;
  /** A table was made in this turn of the event loop: further changes wait for the turn's end. */
  private evaluatedThisTurn = false;
  /** A server with several checks: the state last told to hooks and alerts, by `SERVICE SERVER`. */
  private readonly told = new Map<string, boolean>();
  /** Settles once the last table handed to onTable is in the kernel. */
  private applied: Promise<void> = Promise.resolve();

  constructor(
    private config: Config,
    private readonly options: SupervisorOptions,
  ) {
    this.monitor = new HealthMonitor({
      log: options.log,
      onChange: (spec, health) => {
        this.schedule();
        // Hooks and alerts once the new table is in the kernel: a notify_down fork must not delay it.
        // The monitor writes its log line when `told` settles; the hooks come after it.
        const told = this.afterTable();
        void told.then(() => options.clock.defer(() => this.serverChanged(spec.service, spec.server, health)));
        return told;
      },
      clock: options.clock,
      ...options.monitor,
    });
  }

  async start(): Promise<void> {
    this.drains = new Set(await this.options.state.readDrains());
    await this.watchMaintenance();
    this.evaluate();
    const update = await this.monitor.update(checkSpecs(this.config.virtual_services, this.config.files));
    if (update.started.length) this.options.log.info({ checks: update.started.length }, `health checks started for ${update.started.length} real server(s)`);
  }

  /**
   * A reload's services: unchanged checks keep their runner and health (a healthy server is
   * not dropped and re-added); only new or changed checks start afresh.
   */
  async reconfigure(config: Config): Promise<MonitorUpdate> {
    this.config = config;
    await this.watchMaintenance();
    const update = await this.monitor.update(checkSpecs(config.virtual_services, config.files));
    this.evaluate();
    this.options.log.info(
      { started: update.started.length, kept: update.kept.length, stopped: update.stopped.length },
      `health checks: ${update.kept.length} kept, ${update.started.length} started, ${update.stopped.length} stopped`,
    );
    return update;
  }

  private async watchMaintenance(): Promise<void> {
    const dir = this.config.health.maintenance_dir;
    if (this.maintenance?.dir === dir) return;
    await this.maintenance?.stop();
    this.maintenance = dir ? new MaintenanceDir(dir, this.options.log, () => this.schedule()) : undefined;
    await this.maintenance?.start();
  }

  /** Whether a service (by name) has its quorum; true for names it does not know. */
  hasQuorum(name: string): boolean {
    return this.quorum.get(name) ?? true;
  }

  table(): VirtualService[] {
    return desiredTable(this.config.virtual_services, (_vs, i) => (this.evaluations[i] as ServiceEvaluation).view);
  }

  /** Drains (or restores) every configured server the name covers; returns the servers it covers. */
  async drain(name: string, drained: boolean): Promise<string[]> {
    const parsed = parseDrainKey(name);
    if ('error' in parsed) throw new Error(parsed.error);
    const one = new Set([parsed.key]);
    const covered = this.config.virtual_services.flatMap((vs) =>
      vs.real_servers.filter((rs) => isDrained(one, rs.address, rs.port)).map((rs) => `${serverLabel(rs)} in ${serviceName(vs)}`),
    );
    if (!covered.length) throw new Error(`no real server in the config matches ${name}`);
    if (drained) this.drains.add(parsed.key);
    else this.drains.delete(parsed.key);
    await this.options.state.writeDrains([...this.drains]);
    this.options.log.info({ server: parsed.key, drained }, `${drained ? 'drained' : 'restored'} ${covered.join(', ')}`);
    this.schedule();
    return covered;
  }

  status(): ServiceHealthStatus[] {
    const checks = new Map(this.monitor.list().map((c) => [c.spec.id, c]));
    // A service is shown once evaluated: status may ask while the supervisor starts.
    return this.config.virtual_services.flatMap((vs, i) => {
      const ev = this.evaluations[i];
      if (!ev) return [];
      return {
        service: ev.name,
        quorum: ev.quorum,
        healthyWeight: ev.healthyWeight,
        up: ev.up,
        sorryServer: !ev.up && vs.sorry_server !== undefined,
        servers: vs.real_servers.map((rs, r) => {
          const server = serverLabel(rs);
          // Several checks: their types joined, the last result of one that fails (else the first's), the counts summed.
          const own = checksOf(vs, rs).flatMap((_, k) => checks.get(checkId(ev.name, server, k)) ?? []);
          const shown = own.find((c) => c.health.last && !c.health.last.ok) ?? own[0];
          const placement = ev.view.placements[r];
          const state = this.stateOf(vs, rs);
          return {
            server,
            check: own.length ? own.map((c) => c.spec.type).join('+') : null,
            healthy: state.healthy,
            drained: this.drainedBy(rs),
            weight: placement?.include ? (ev.up || !vs.sorry_server ? placement.weight : 0) : null,
            last: shown?.health.last ?? null,
            lastChange: own.map((c) => c.health.lastChange).reduce<string | null>((a, b) => (b !== null && (a === null || b > a) ? b : a), null),
            checks: own.reduce((n, c) => n + c.health.checks, 0),
            failures: own.reduce((n, c) => n + c.health.failures, 0),
          };
        }),
      };
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.monitor.stop();
    await this.maintenance?.stop();
    // Keepalived's omega: a stopping director no longer serves, so the quorum is gone.
    this.config.virtual_services.forEach((vs, i) => {
      const ev = this.evaluations[i];
      if (vs.notify_down_at_stop && ev?.up) this.options.events?.quorum(vs, false, 0, ev.quorum);
    });
  }

  private serverChanged(service: string, server: string, health: Health): void {
    const vs = this.config.virtual_services.find((v) => serviceName(v) === service);
    const rs = vs?.real_servers.find((r) => serverLabel(r) === server);
    if (!vs || !rs) return;
    if (checksOf(vs, rs).length < 2) return this.options.events?.server(vs, rs, health.up, health.last?.message);
    // Several checks: hooks and alerts hear of the server, up while every check is.
    const up = this.stateOf(vs, rs).healthy;
    const key = `${service} ${server}`;
    if (this.told.get(key) === up) return;
    this.told.set(key, up);
    this.options.events?.server(vs, rs, up, health.last?.message);
  }

  private drainedBy(rs: RealServerConfig): ServerStatus['drained'] {
    if (isDrained(this.drains, rs.address, rs.port)) return 'operator';
    if (this.maintenance && isDrained(this.maintenance.drained, rs.address, rs.port)) return 'maintenance-dir';
    return null;
  }

  /**
   * A server whose check has no runner yet (the first table, made before the checks start) is
   * as its check starts it: `initially: down` (Keepalived's alpha) keeps it out until its first
   * success.
   */
  private stateOf(vs: VirtualServiceConfig, rs: RealServerConfig): ServerState {
    const service = serviceName(vs);
    const server = serverLabel(rs);
    const checks = checksOf(vs, rs).map((check, k) => ({ check, health: this.monitor.health(checkId(service, server, k)) }));
    // With several checks, healthy while every one is (Keepalived's several checkers).
    const healthy = checks.every(({ check, health }) => health?.up ?? check.initially === 'up');
    const weight = healthy ? checks.map(({ health }) => health?.weight).find((w) => w !== undefined) : undefined;
    return { healthy, drained: this.drainedBy(rs) !== null, weight };
  }

  /**
   * The first change of a turn makes a new table at once (a dead server leaves the kernel's
   * table before anything else is done: the log line, the hooks); the changes after it in the
   * same turn (a switch failing takes out many servers) make one more table, at the turn's end.
   */
  private schedule(): void {
    if (this.pending || this.stopped) return;
    if (!this.evaluatedThisTurn) {
      this.evaluatedThisTurn = true;
      this.options.clock.defer(() => {
        this.evaluatedThisTurn = false;
      });
      this.evaluate();
      return;
    }
    this.pending = true;
    this.options.clock.defer(() => {
      this.pending = false;
      if (!this.stopped) this.evaluate();
    });
  }

  /**
   * Settles once the table that holds every change so far is in the kernel, or after
   * TELL_AFTER_TABLE_MAX_MS. Changes later in this turn make their table at the turn's end
   * (schedule): it is looked for then.
   */
  private afterTable(): Promise<void> {
    return new Promise((resolve) => {
      const { clock } = this.options;
      const cap = clock.set(resolve, TELL_AFTER_TABLE_MAX_MS);
      clock.defer(() =>
        void this.applied.then(() => {
          clock.clear(cap);
          resolve();
        }),
      );
    });
  }

  private evaluate(): void {
    this.evaluations = evaluateServices(this.config.virtual_services, (vs, rs) => this.stateOf(vs, rs), this.quorum);
    // The table first: what follows (a log line, a quorum hook's fork) is not on its way.
    this.applied = Promise.resolve(this.options.onTable(this.table())).catch(() => undefined);
    const changed = this.evaluations.flatMap((ev, i) => {
      const was = this.quorum.get(ev.name);
      this.quorum.set(ev.name, ev.up);
      // Evaluations are in the config's order.
      return was !== undefined && was !== ev.up ? [{ ev, vs: this.config.virtual_services[i] as VirtualServiceConfig }] : [];
    });
    if (!changed.length) return;
    for (const { ev } of changed) this.options.onQuorum(ev.name, ev.up);
    void this.afterTable().then(() => {
      for (const { ev, vs } of changed) {
        this.options.log.warn({ service: ev.name, healthyWeight: ev.healthyWeight, quorum: ev.quorum }, `virtual service ${ev.name} ${ev.up ? 'has its quorum again' : 'lost its quorum'} (healthy weight ${ev.healthyWeight}, quorum ${ev.quorum})`);
        this.options.events?.quorum(vs, ev.up, ev.healthyWeight, ev.quorum);
      }
    });
  }
}

import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { CheckSpec } from '../check/build.js';
import type { Checker } from '../check/types.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { IpvsDriver } from '../ipvs/driver.js';
import type { FullNat } from '../net/fullnat.js';
import type { Alerts } from '../observe/alerts.js';
import type { Hooks } from './hooks.js';
import type { VirtualService } from '../ipvs/model.js';
import type { Proxy, ProxyStatus } from '../proxy/haproxy.js';
import { ipvsPart, ipvsRows, proxiedPart } from '../proxy/haproxy-config.js';
import { IpvsSide } from './ipvs-side.js';
import { utf8 } from './raw-json.js';
import type { Store } from './seams.js';
import { serviceEvents } from './service-events.js';
import { ServiceSupervisor } from './services.js';
import type { ServiceHealthStatus } from './services.js';

/** What status shows of the services side. */
export interface ServicesSnapshot {
  services: ServiceHealthStatus[];
  ipvs: ReturnType<IpvsSide['status']>;
  /** The proxy that carries the services whose client address is passed on; null without any. */
  proxy: ProxyStatus | null;
}

/**
 * The director's work that is not VRRP: the health checks, drains and quorum of the virtual
 * services, and the IPVS table kept as desired state. Beside the instances in one event loop
 * (LocalServicesSide: the simulator, tests), or on a worker thread of its own (the daemon:
 * WorkerServicesSide), so that checks and IPVS can never hold up an advert.
 */
export interface ServicesSide {
  /** Health checks, then the first IPVS table: in the kernel (or retrying) on return. */
  start(config: Config): Promise<void>;
  /** A reload's services: checks kept or started, the new table applied. */
  reconfigure(config: Config): Promise<void>;
  setOptions(config: Config): Promise<void>;
  setTimeouts(config: Config): Promise<void>;
  /** True until the service is known to lack its quorum. */
  hasQuorum(service: string): boolean;
  drain(server: string, drained: boolean): Promise<string[]>;
  /** Reconciles at once; the IPVS status after it, as JSON in UTF-8 (an IpvsStatus). */
  reconcile(): Promise<Uint8Array>;
  /** What status shows of the services, as JSON in UTF-8 (a ServicesSnapshot; see raw-json.ts). */
  status(): Promise<Uint8Array>;
  /** The services' metrics, as Prometheus text in UTF-8. */
  metrics(): Promise<Uint8Array>;
  /** The checks stop (their stop hooks run): the first step of a graceful stop. */
  stopChecks(): Promise<void>;
  /** The last, once the instances have let go: hooks and mail drained, IPVS's upkeep ended. */
  stop(): Promise<void>;
}

export interface ServicesDeps {
  log: Logger;
  clock: Clock;
  store: Pick<Store, 'readDrains' | 'writeDrains'>;
  ipvs: IpvsDriver;
  hooks: Hooks;
  alerts: Alerts;
  dryRun: boolean;
  /** Full NAT's source NAT (none in the simulator). */
  fullnat?: FullNat;
  /** HAProxy, for the services whose client address is passed on (none in the simulator). */
  proxy?: Proxy;
  /** Whether the kernel forwards (none in the simulator, whose kernel is not the system's). */
  forwarding?: () => Promise<boolean>;
  buildCheck?: (spec: CheckSpec) => Promise<Checker>;
  random?: () => number;
  /** A service gained or lost its quorum: the instances' tracking changes. */
  onQuorum: () => void;
}

export class LocalServicesSide implements ServicesSide {
  private services?: ServiceSupervisor;
  private readonly ipvs: IpvsSide;
  private config?: Config;
  private registry?: Promise<Registry>;
  /** The last table handed to the proxy, settled once HAProxy has it. */
  private proxyApplied: Promise<void> = Promise.resolve();

  constructor(private readonly deps: ServicesDeps) {
    this.ipvs = new IpvsSide(deps.ipvs, { log: deps.log.child({ component: 'ipvs' }), clock: deps.clock, dryRun: deps.dryRun, ...(deps.fullnat ? { fullnat: deps.fullnat } : {}), ...(deps.forwarding ? { forwarding: deps.forwarding } : {}) });
  }

  async start(config: Config): Promise<void> {
    this.config = config;
    await this.startServices(config);
    await this.ipvs.start(ipvsPart(config), this.ipvsTable(this.services?.table() ?? []));
    await this.proxyTable(this.services?.table() ?? []);
  }

  private async startServices(config: Config): Promise<void> {
    if (!config.virtual_services.length) return;
    const { deps } = this;
    const log = deps.log.child({ component: 'health' });
    this.services = new ServiceSupervisor(config, {
      log,
      state: deps.store,
      clock: deps.clock,
      monitor: { ...(deps.buildCheck ? { build: deps.buildCheck } : {}), ...(deps.random ? { random: deps.random } : {}) },
      onTable: (table) => this.setTable(table),
      onQuorum: () => deps.onQuorum(),
      events: serviceEvents(deps, log, () => this.config as Config),
    });
    await this.services.start();
  }

  async reconfigure(config: Config): Promise<void> {
    this.config = config;
    if (this.services) await this.services.reconfigure(config);
    else await this.startServices(config);
    if (!this.ipvs.active) await this.ipvs.start(ipvsPart(config), this.ipvsTable(this.services?.table() ?? []));
    else await this.ipvs.setFullNat(ipvsPart(config));
    // The reload is done when the new table is in the kernel (or printed, with --dry-run) and
    // in HAProxy.
    await this.ipvs.settled();
    await this.proxyApplied;
  }

  /** The table (one row per configured service) to IPVS and to the proxy; settles once both have it. */
  private async setTable(table: VirtualService[]): Promise<void> {
    await Promise.all([this.ipvs.setTable(this.ipvsTable(table)), this.proxyTable(table)]);
  }

  private ipvsTable(table: VirtualService[]): VirtualService[] {
    return ipvsRows(this.config?.virtual_services ?? [], table);
  }

  private proxyTable(table: VirtualService[]): Promise<void> {
    const { proxy, dryRun, log } = this.deps;
    const services = proxiedPart(this.config?.virtual_services ?? [], table);
    if (!proxy || (!services.length && !proxy.status().pid)) return this.proxyApplied;
    if (dryRun) {
      if (services.length) log.info({ services: services.length }, `dry run: HAProxy not started (it would carry ${services.length} service(s) whose client address is passed on)`);
      return this.proxyApplied;
    }
    this.proxyApplied = proxy.configure(services, this.config?.ipvs.timeouts?.tcp || undefined);
    return this.proxyApplied;
  }

  async setOptions(config: Config): Promise<void> {
    this.ipvs.setOptions(ipvsPart(config));
  }

  setTimeouts(config: Config): Promise<void> {
    return this.ipvs.setTimeouts(config);
  }

  hasQuorum(service: string): boolean {
    return this.services?.hasQuorum(service) ?? true;
  }

  drain(server: string, drained: boolean): Promise<string[]> {
    if (!this.services) throw new Error('no virtual_services in the config');
    return this.services.drain(server, drained);
  }

  async reconcile(): Promise<Uint8Array> {
    return utf8(JSON.stringify(await this.ipvs.reconcile()));
  }

  snapshot(): ServicesSnapshot {
    const proxy = this.deps.proxy?.status();
    const shown = proxy && (proxy.pid !== null || this.config?.virtual_services.some((vs) => vs.client_address));
    return { services: this.services?.status() ?? [], ipvs: this.ipvs.status(), proxy: shown ? proxy : null };
  }

  async status(): Promise<Uint8Array> {
    return utf8(JSON.stringify(this.snapshot()));
  }

  async metrics(): Promise<Uint8Array> {
    // prom-client is loaded only when metrics are asked for.
    this.registry ??= import('../observe/services-metrics.js').then(({ createServicesRegistry }) => createServicesRegistry(() => this.snapshot()));
    return utf8(await (await this.registry).metrics());
  }

  async stopChecks(): Promise<void> {
    await this.services?.stop();
  }

  async stop(): Promise<void> {
    await this.deps.hooks.drain();
    await this.deps.alerts.drain();
    await this.ipvs.stop();
    await this.deps.proxy?.stop();
  }
}

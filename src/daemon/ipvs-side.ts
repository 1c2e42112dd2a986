import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import { classify } from '../ipvs/driver.js';
import type { IpvsDriver } from '../ipvs/driver.js';
import type { VirtualService } from '../ipvs/model.js';
import { Reconciler } from '../ipvs/reconciler.js';
import type { IpvsStatus } from '../ipvs/reconciler.js';
import { SyncDaemonControl } from '../ipvs/sync-daemon.js';

/** Whether a config gives IPVS anything to do: services, connection timeouts or the sync daemon. */
export function wantsIpvs(config: Config): boolean {
  return config.virtual_services.length > 0 || config.ipvs.timeouts !== undefined || config.ipvs.sync_daemon !== undefined;
}

/**
 * This director's side of IPVS: the connection timeouts, the sync daemon (both roles) and the
 * table kept equal to the desired one. Both directors keep it whatever their VRRP state.
 */
export class IpvsSide {
  private reconciler?: Reconciler;
  private syncDaemon?: SyncDaemonControl;
  /** The last desired table handed over, settled once it is in the kernel (or printed). */
  private applied: Promise<void> = Promise.resolve();

  constructor(
    private readonly driver: IpvsDriver,
    private readonly deps: { log: Logger; clock: Clock; dryRun: boolean },
  ) {}

  get active(): boolean {
    return this.reconciler !== undefined;
  }

  /** Starts what the config asks for; the first table is in the kernel (or retrying) on return. */
  async start(config: Config, table: VirtualService[]): Promise<void> {
    const { ipvs } = config;
    if (this.reconciler || !wantsIpvs(config)) return;
    const { dryRun, clock } = this.deps;
    if (ipvs.timeouts && !dryRun) await this.setTimeouts(config);
    if (ipvs.sync_daemon && !dryRun) {
      const { interface: iface, sync_id: syncId, max_message_bytes: maxMessageBytes } = ipvs.sync_daemon;
      this.syncDaemon = new SyncDaemonControl(this.driver, { interface: iface, syncId, maxMessageBytes }, this.deps.log);
      await this.syncDaemon.start();
    }
    this.reconciler = new Reconciler(this.driver, { exclusive: ipvs.exclusive, repairIntervalMs: ipvs.repair_interval * 1000, dryRun, log: this.deps.log, clock });
    await this.setTable(table);
  }

  /** A new desired table; resolves when it is applied. Ignored before start. */
  setTable(table: VirtualService[]): Promise<void> {
    if (this.reconciler) this.applied = this.reconciler.setDesired(table);
    return this.applied;
  }

  /** Waits for the last table handed over to be applied. */
  settled(): Promise<void> {
    return this.applied;
  }

  setOptions(config: Config): void {
    this.reconciler?.setOptions({ exclusive: config.ipvs.exclusive, repairIntervalMs: config.ipvs.repair_interval * 1000 });
    void this.reconciler?.reconcile();
  }

  async setTimeouts(config: Config): Promise<void> {
    const t = config.ipvs.timeouts;
    if (!t || this.deps.dryRun) return;
    await this.driver.setTimeouts(t.tcp, t.tcpfin, t.udp).catch((err: unknown) => this.deps.log.error(`IPVS timeouts: ${classify(err).message}`));
  }

  reconcile(): Promise<IpvsStatus> {
    if (!this.reconciler) return Promise.reject(new Error('no virtual_services in the config'));
    const r = this.reconciler;
    return r.reconcile().then(() => r.status());
  }

  status(): (IpvsStatus & { syncDaemon: string | null }) | null {
    return this.reconciler ? { ...this.reconciler.status(), syncDaemon: this.syncDaemon?.roles.join('+') || null } : null;
  }

  async stop(): Promise<void> {
    this.reconciler?.stop();
    await this.syncDaemon?.stop();
  }
}

import type { Logger } from 'pino';
import type { IpvsDriver, SyncDaemonOptions } from './driver.js';
import { classify } from './driver.js';

export type SyncRole = 'master' | 'backup';

/**
 * The IPVS connection sync daemon in both roles on this director, from start to stop: as
 * backup it takes in the peer's connections, as master it sends its own. Nothing switches at a
 * failover, so no queued message is lost with a stopping master thread (the kernel drops them),
 * and connections survive a handover in either direction. A director that is not master sees
 * no traffic, so its master thread sends nothing.
 */
export class SyncDaemonControl {
  private running: SyncRole[] = [];

  constructor(
    private readonly driver: IpvsDriver,
    private readonly options: SyncDaemonOptions,
    private readonly log: Logger,
  ) {}

  /** Starts both roles, backup first (it must be listening before the peer's master sends). */
  async start(): Promise<void> {
    // A daemon left by an earlier run would make the start fail: begin from none.
    for (const role of await this.driver.syncDaemons().catch(() => [])) await this.driver.stopSyncDaemon(role).catch(() => undefined);
    for (const role of ['backup', 'master'] as const) {
      try {
        await this.driver.startSyncDaemon(role, this.options);
        this.running.push(role);
      } catch (err) {
        this.log.error({ syncDaemon: role, err: classify(err).message }, `IPVS sync daemon (${role}) did not start: ${classify(err).message}`);
      }
    }
    if (this.running.length) this.log.info({ syncDaemon: this.running, interface: this.options.interface, syncId: this.options.syncId }, `IPVS sync daemon: ${this.running.join(' and ')} on ${this.options.interface}`);
  }

  async stop(): Promise<void> {
    for (const role of [...this.running].reverse()) {
      await this.driver.stopSyncDaemon(role).catch((err: unknown) => this.log.error({ syncDaemon: role, err: classify(err).message }, `IPVS sync daemon (${role}) did not stop: ${classify(err).message}`));
    }
    this.running = [];
  }

  /** The roles running, e.g. ['backup', 'master']. */
  get roles(): SyncRole[] {
    return [...this.running];
  }
}

import type { Logger } from 'pino';
import type { IpvsDriver } from './driver.js';
import { classify } from './driver.js';

/**
 * The IPVS connection sync daemon, switched with the VRRP state of one instance as
 * Keepalived's lvs_sync_daemon does: master while MASTER, backup otherwise, so the backup holds
 * the master's connections when it takes over. Changes run one after another.
 */
export class SyncDaemonControl {
  private queue: Promise<void> = Promise.resolve();
  private current?: 'master' | 'backup';

  constructor(
    private readonly driver: IpvsDriver,
    private readonly iface: string,
    private readonly syncId: number,
    private readonly log: Logger,
  ) {}

  follow(vrrpState: string): Promise<void> {
    const want = vrrpState === 'MASTER' ? 'master' : vrrpState === 'INIT' ? undefined : 'backup';
    return this.switchTo(want);
  }

  stop(): Promise<void> {
    return this.switchTo(undefined);
  }

  get state(): 'master' | 'backup' | undefined {
    return this.current;
  }

  private switchTo(want: 'master' | 'backup' | undefined): Promise<void> {
    this.queue = this.queue.then(async () => {
      if (want === this.current) return;
      try {
        if (this.current) await this.driver.stopSyncDaemon(this.current);
        this.current = undefined;
        if (want) {
          await this.driver.startSyncDaemon(want, this.iface, this.syncId);
          this.current = want;
        }
        this.log.info({ syncDaemon: want ?? 'stopped' }, `IPVS sync daemon: ${want ?? 'stopped'}`);
      } catch (err) {
        this.log.error({ err: classify(err).message }, `IPVS sync daemon: ${classify(err).message}`);
      }
    });
    return this.queue;
  }
}

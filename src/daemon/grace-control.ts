import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { instanceVips } from '../config/vip.js';
import type { Vip } from '../config/vip.js';
import { graceAddresses, graceEntries } from '../ipvs/takeover-grace.js';
import type { TakeoverGrace } from '../net/takeover-grace.js';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * When the takeover grace applies (a sync daemon, `takeover_grace` above 0, not a dry run) and
 * what a failure means to the operator. A grace that cannot be had never stops a takeover: the
 * VIPs come up all the same, and the error is logged once until it changes.
 */
export class GraceControl {
  private installed = false;
  private configuring: Promise<void> = Promise.resolve();
  private lastError?: string;

  constructor(
    private readonly grace: TakeoverGrace | undefined,
    private readonly log: Logger,
    private readonly config: () => Config,
    private readonly dryRun: boolean,
  ) {}

  private get seconds(): number {
    return this.config().ipvs.sync_daemon?.takeover_grace ?? 0;
  }

  /**
   * Sets the chain up for the config's services (at start, and after every reload: services,
   * VIPs or the grace may have changed). One at a time.
   */
  start(): Promise<void> {
    const grace = this.grace;
    if (!grace || this.dryRun || (!this.installed && !this.seconds)) return this.configuring;
    this.configuring = this.configuring.then(() => this.configure(grace));
    return this.configuring;
  }

  private async configure(grace: TakeoverGrace): Promise<void> {
    const config = this.config();
    const vips: Vip[] = config.instances.flatMap(instanceVips);
    const entries = this.seconds ? graceEntries(config.virtual_services, vips) : [];
    try {
      const { families, command } = await grace.configure(entries, this.seconds);
      if (!this.installed) {
        this.log.info(
          { takeoverGrace: this.seconds, command, families },
          `takeover grace: for ${this.seconds} s after a takeover, no reset for a connection IPVS does not know yet (${command}, chain TANDEM-GRACE)${families.includes(6) ? '' : '; not for IPv6 VIPs: ip6tables did not take the chain'}`,
        );
      }
      this.installed = true;
    } catch (err) {
      this.failed(
        `takeover grace: iptables refused the chain TANDEM-GRACE (${message(err)}); a connection opened just before a takeover will be reset. Install iptables (and xt_recent: modprobe xt_recent), or set ipvs.sync_daemon.takeover_grace: 0`,
      );
    }
  }

  /** Opens the grace for the services on `vips`, as they are taken over. Never rejects. */
  async open(vips: Vip[]): Promise<void> {
    if (!this.installed || !this.seconds) return;
    const entries = graceEntries(this.config().virtual_services, vips);
    if (!entries.length) return;
    try {
      await this.grace?.open(graceAddresses(entries));
      this.lastError = undefined;
      const services = entries.map((e) => (e.family === 6 ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`));
      this.log.info({ services, seconds: this.seconds }, `takeover grace open for ${this.seconds} s: ${services.join(', ')}`);
    } catch (err) {
      this.failed(`takeover grace: the VIPs did not go on the recent list (${message(err)}); connections opened just before this takeover may be reset`);
    }
  }

  async stop(): Promise<void> {
    await this.configuring;
    if (!this.installed) return;
    this.installed = false;
    await this.grace?.remove().catch((err: unknown) => this.log.error({ err: message(err) }, `takeover grace: the chain TANDEM-GRACE was not removed (${message(err)}): iptables -D OUTPUT -j TANDEM-GRACE; iptables -X TANDEM-GRACE`));
  }

  private failed(text: string): void {
    if (text === this.lastError) return;
    this.lastError = text;
    this.log.error(text);
  }
}

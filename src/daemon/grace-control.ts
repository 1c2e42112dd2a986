import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Vip } from '../config/vip.js';
import { graceEntries } from '../ipvs/takeover-grace.js';
import type { TakeoverGrace } from '../net/takeover-grace.js';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * When the takeover grace applies (a sync daemon, `takeover_grace` above 0, not a dry run) and
 * what a failure means to the operator. A grace that cannot be had never stops a takeover: the
 * VIPs come up all the same, and the error is logged once until it changes.
 */
export class GraceControl {
  private installed = false;
  private installing?: Promise<void>;
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

  /** Installs the filter if the config wants it (at start, and after a reload that turns it on). */
  start(): Promise<void> {
    if (this.installed || !this.grace || this.dryRun || !this.seconds) return Promise.resolve();
    this.installing ??= this.install(this.grace).finally(() => (this.installing = undefined));
    return this.installing;
  }

  private async install(grace: TakeoverGrace): Promise<void> {
    try {
      const { families, command } = await grace.install();
      this.installed = true;
      this.log.info(
        { takeoverGrace: this.seconds, command, families },
        `takeover grace: for ${this.seconds} s after a takeover, the resets for packets of connections IPVS does not know yet are not sent (${command}, chain TANDEM-GRACE)${families.includes(6) ? '' : '; not for IPv6 VIPs: ip6tables did not take the chain'}`,
      );
    } catch (err) {
      this.failed(
        `takeover grace: iptables refused the chain TANDEM-GRACE (${message(err)}); a connection opened just before a takeover will be reset. Install iptables, or set ipvs.sync_daemon.takeover_grace: 0`,
      );
    }
  }

  /** Opens the grace for the services on `vips`, as they are taken over. Never rejects. */
  async open(vips: Vip[]): Promise<void> {
    if (!this.installed || !this.seconds) return;
    const entries = graceEntries(this.config().virtual_services, vips);
    try {
      await this.grace?.open(entries, this.seconds);
      this.lastError = undefined;
    } catch (err) {
      this.failed(`takeover grace: iptables-restore did not open it (${message(err)}); connections opened just before this takeover may be reset`);
    }
  }

  async stop(): Promise<void> {
    await this.installing;
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

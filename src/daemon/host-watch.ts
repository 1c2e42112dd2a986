import type { AddressWatch } from '../net/address-events.js';
import type { Seams } from './seams.js';

/** How often the instances look at the host without an event: the safety net for a lost one. */
export const HOST_LOOK_MS = 5000;

/**
 * Has the instances compare what they own on the host with the kernel: at once after an
 * address or link event (events of one moment coalesced into one look), and every
 * HOST_LOOK_MS. The look itself is the instances' (InstanceRunner.verifyHost).
 */
export class HostWatch {
  private watch?: AddressWatch;
  private timer?: unknown;
  private pending = false;
  /** A look under way, and what asked for one meanwhile (looked at once it ends). */
  private looking = false;
  private again?: string;
  private stopped = false;

  constructor(
    private readonly seams: Pick<Seams, 'clock' | 'watchAddresses'>,
    private readonly look: (noticedBy: string) => void | Promise<void>,
    private readonly onError: (err: Error) => void,
  ) {}

  async start(): Promise<void> {
    this.watch = this.seams.watchAddresses?.((noticedBy) => this.soon(noticedBy), this.onError);
    try {
      await this.watch?.start();
    } catch (err) {
      // Without events the periodic look still repairs, only later.
      this.onError(new Error(`no address events (${(err as Error).message}); looking every ${HOST_LOOK_MS / 1000} s only`));
    }
    this.arm();
  }

  private soon(noticedBy: string): void {
    if (this.pending || this.stopped) return;
    this.pending = true;
    this.seams.clock.defer(() => {
      this.pending = false;
      this.run(noticedBy);
    });
  }

  private run(noticedBy: string): void {
    if (this.stopped) return;
    if (this.looking) {
      this.again = noticedBy;
      return;
    }
    this.looking = true;
    void Promise.resolve()
      .then(() => this.look(noticedBy))
      .catch((err: Error) => this.onError(new Error(`looking at the host failed: ${err.message}`)))
      .finally(() => {
        this.looking = false;
        const again = this.again;
        this.again = undefined;
        if (again) this.run(again);
      });
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = this.seams.clock.set(() => {
      this.run('periodic look');
      this.arm();
    }, HOST_LOOK_MS);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.seams.clock.clear(this.timer);
    this.watch?.stop();
  }
}

import type { Logger } from 'pino';
import { LogRateLimit } from '../observe/rate-limit.js';
import type { Auth } from '../vrrp/advert.js';
import { AdvertReceiver } from '../vrrp/receive.js';
import type { InstanceRunner } from './instance.js';
import type { Seams } from './seams.js';

/** How often the replay guard's state is saved (when it changed). */
const REPLAY_SAVE_MS = 10_000;

/**
 * Adverts coming in: judged by the receive policy (src/vrrp/receive.ts), handed to their
 * instance, refusals counted and logged at a rate a person reads, and the replay guard's state
 * saved, so a restarted daemon still refuses adverts captured before its restart.
 */
export class AdvertIntake {
  private receiver = new AdvertReceiver();
  private readonly rejectLog = new LogRateLimit();
  private saver?: unknown;
  private stopped = false;

  constructor(
    private readonly seams: Pick<Seams, 'clock' | 'store'>,
    private readonly log: Logger,
    private readonly instanceFor: (vrid: number) => InstanceRunner | undefined,
  ) {}

  /** Loads the last run's replay state; saves it every 10 s when it changed. */
  async start(): Promise<void> {
    this.receiver = new AdvertReceiver(await this.seams.store.readReplay());
    this.arm();
  }

  private arm(): void {
    this.saver = this.seams.clock.set(() => void this.save().finally(() => !this.stopped && this.arm()), REPLAY_SAVE_MS);
  }

  packet(packet: Buffer, from: string, auth: Auth): void {
    const { verdict, target } = this.receiver.judge(packet, auth, this.instanceFor);
    if (verdict.accept) return target?.receive(verdict.advert);
    if (verdict.own) return;
    // A wrong key or a replay is someone else on the link, or a peer set up differently:
    // worth a person's eye at once, then once a minute while it goes on.
    // (Another router's VRID on a shared link is ordinary: that one stays at debug.)
    const count = verdict.reason === 'unknown-vrid' ? 0 : this.rejectLog.note(`${verdict.reason} ${from}`, this.seams.clock.now());
    if (count) this.log.warn({ from, reason: verdict.reason, count }, `${count === 1 ? 'advert' : `${count} adverts`} from ${from} rejected: ${verdict.message}`);
    else this.log.debug({ from, reason: verdict.reason }, `advert from ${from} rejected: ${verdict.message}`);
  }

  stats(): { received: number; rejected: Record<string, number> } {
    return { received: this.receiver.stats.received, rejected: { ...this.receiver.stats.rejected } };
  }

  /** Saves the replay state one last time (call once nothing is received any more). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.seams.clock.clear(this.saver);
    await this.save();
  }

  private async save(): Promise<void> {
    const state = this.receiver.replayToSave();
    if (state) await this.seams.store.writeReplay(state).catch((err: Error) => this.log.error({ err: err.message }, `cannot save the replay guard: ${err.message}`));
  }
}

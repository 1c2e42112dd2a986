import type { CheckSpec } from './build.js';
import type { Clock } from '../clock.js';
import type { Health } from './health.js';
import { applyResult, initialHealth } from './health.js';
import { nextDelayMs } from './schedule.js';
import type { Checker, CheckOutcome } from './types.js';
import { errorText } from './types.js';

/**
 * Runs one real server's check on its schedule and folds each result into its health. The
 * timeout is enforced here: at the deadline the check's signal aborts and the result is a
 * failure, whatever the checker does afterwards.
 */
export class CheckRunner {
  health: Health;
  private timer?: unknown;
  private stopped = false;

  constructor(
    public spec: CheckSpec,
    private readonly checker: Checker,
    private readonly clock: Clock,
    private readonly onResult: (runner: CheckRunner, changed: boolean) => void,
  ) {
    this.health = initialHealth(spec.initially, spec.rise);
  }

  start(firstDelayMs: number): void {
    this.timer = this.clock.set(() => void this.run(), firstDelayMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clear(this.timer);
  }

  private async run(): Promise<void> {
    const { timing } = this.spec;
    const startedAt = this.clock.now();
    const controller = new AbortController();
    let deadline: unknown;
    const timedOut = new Promise<CheckOutcome>((resolve) => {
      deadline = this.clock.set(() => {
        controller.abort();
        resolve({ ok: false, message: `no answer within the ${timing.timeoutMs / 1000} s timeout` });
      }, timing.timeoutMs);
    });
    const checked = this.checker(controller.signal).catch((err: unknown): CheckOutcome => ({ ok: false, message: errorText(err) }));
    const outcome = await Promise.race([checked, timedOut]);
    this.clock.clear(deadline);
    if (this.stopped) return;
    const now = this.clock.now();
    const { health, changed } = applyResult(this.health, { ...outcome, durationMs: Math.round(now - startedAt), at: this.clock.wall() }, this.spec.rise, this.spec.fall);
    this.health = health;
    this.onResult(this, changed);
    if (this.stopped) return;
    const retrying = !outcome.ok && health.up;
    this.timer = this.clock.set(() => void this.run(), nextDelayMs(timing, startedAt, now, retrying));
  }
}

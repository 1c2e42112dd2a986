import type { Logger } from 'pino';
import type { ScriptConfig } from '../config/schema.js';
import { CommandError, run } from '../net/exec.js';
import type { RiseFall } from '../check/rise-fall.js';
import { riseFallStep } from '../check/rise-fall.js';

/**
 * Runs one tracking script (Keepalived's vrrp_script) every interval and reports when its
 * debounced result changes. Starts as up, as Keepalived does without init_fail.
 */
export class ScriptTracker {
  private state: RiseFall = { up: true, against: 0 };
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    readonly name: string,
    private readonly config: ScriptConfig,
    private readonly log: Logger,
    private readonly onChange: (up: boolean) => void,
  ) {}

  get up(): boolean {
    return this.state.up;
  }

  start(): void {
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async tick(): Promise<void> {
    const [file, ...args] = this.config.command as [string, ...string[]];
    let ok = true;
    try {
      await run(file, args, { timeoutMs: this.config.timeout * 1000, group: true });
    } catch (err) {
      ok = false;
      this.log.debug({ script: this.name, err: err instanceof CommandError ? err.message : String(err) }, 'tracking script failed');
    }
    if (this.stopped) return;
    const next = riseFallStep(this.state, ok, this.config.rise, this.config.fall);
    const changed = next.up !== this.state.up;
    this.state = next;
    if (changed) {
      this.log.info({ script: this.name, up: next.up }, `tracking script ${this.name} is now ${next.up ? 'up' : 'down'}`);
      this.onChange(next.up);
    }
    this.timer = setTimeout(() => void this.tick(), this.config.interval * 1000);
  }
}

import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { ScriptConfig } from '../config/schema.js';
import { CommandError, run } from '../net/exec.js';
import { lookupUser } from '../net/users.js';
import type { RiseFall } from '../check/rise-fall.js';
import { riseFallStep } from '../check/rise-fall.js';

/** Runs a tracking script once: resolves true when it exited 0 within its timeout. */
export type ScriptRun = (name: string, config: ScriptConfig, log: Logger) => Promise<boolean>;

/** The system's script runner: the command's process group, killed at the timeout. */
export const runScript: ScriptRun = async (name, config, log) => {
  const [file, ...args] = config.command as [string, ...string[]];
  try {
    const user = config.user ? await lookupUser(config.user) : undefined;
    await run(file, args, { timeoutMs: config.timeout * 1000, group: true, uid: user?.uid, gid: user?.gid });
    return true;
  } catch (err) {
    log.debug({ script: name, err: err instanceof CommandError ? err.message : String(err) }, 'tracking script failed');
    return false;
  }
};

/**
 * Runs one tracking script (Keepalived's vrrp_script) every interval and reports when its
 * debounced result changes. Starts as up, as Keepalived does without init_fail, or with
 * `start_down` as down (init_fail): then `rise` successes bring it up.
 */
export class ScriptTracker {
  private state: RiseFall;
  private timer?: unknown;
  private stopped = false;

  constructor(
    readonly name: string,
    private readonly config: ScriptConfig,
    private readonly deps: { log: Logger; clock: Clock; run: ScriptRun },
    private readonly onChange: (up: boolean) => void,
  ) {
    this.state = { up: !config.start_down, against: 0 };
  }

  get up(): boolean {
    return this.state.up;
  }

  start(): void {
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.deps.clock.clear(this.timer);
  }

  private async tick(): Promise<void> {
    const ok = await this.deps.run(this.name, this.config, this.deps.log);
    if (this.stopped) return;
    const next = riseFallStep(this.state, ok, this.config.rise, this.config.fall);
    const changed = next.up !== this.state.up;
    this.state = next;
    if (changed) {
      this.deps.log.info({ script: this.name, up: next.up }, `tracking script ${this.name} is now ${next.up ? 'up' : 'down'}`);
      this.onChange(next.up);
    }
    this.timer = this.deps.clock.set(() => void this.tick(), this.config.interval * 1000);
  }
}

import type { Logger } from 'pino';
import { run } from '../net/exec.js';

/** The seam for notify hooks: started, never waited for by the state machine. */
export interface Hooks {
  run(argv: string[], log: Logger): void;
  /** Waits for the hooks still running (the stop hooks, at shutdown). */
  drain(): Promise<void>;
}

/** Runs notify hooks (argv, no shell, a timeout) without holding up the state machine. */
export class HookRunner implements Hooks {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly timeoutMs = 10_000) {}

  /**
   * Starts the hook after the current turn of the event loop: a transition's VIP change and
   * advert go first, and the hook's fork (which blocks the loop) comes after them.
   */
  run(argv: string[], log: Logger): void {
    const [file, ...args] = argv as [string, ...string[]];
    const p = new Promise<void>((resolve) => setImmediate(resolve)).then(() => run(file, args, { timeoutMs: this.timeoutMs })).then(
      () => log.debug({ hook: argv }, 'notify hook done'),
      (err: Error) => log.warn({ hook: argv, err: err.message }, `notify hook failed: ${err.message}`),
    );
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Waits for the hooks still running (the stop hooks, at shutdown). */
  async drain(): Promise<void> {
    await Promise.all(this.pending);
  }
}

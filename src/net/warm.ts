import { start, stderrOf } from './child.js';
import type { Started } from './child.js';
import { CommandError } from './exec.js';

/** A command ready to run at once (WarmCommand, here or on the daemon's exec thread). */
export interface Warm {
  arm(): void;
  /** Resolves with what the command wrote on stderr (some, like ipvsadm -R, exit 0 on a refusal). */
  fire(input?: string, signal?: AbortSignal): Promise<string>;
  close(): void;
}

export interface WarmOptions {
  stdinProgram?: boolean;
  timeoutMs?: number;
}

type WarmMaker = (argv: [string, ...string[]], options: WarmOptions) => Warm;

let maker: WarmMaker = (argv, options) => new WarmCommand(argv, options);

/** A warm command, made where this thread's commands run (see setRunner in exec.ts). */
export function warmCommand(argv: [string, ...string[]], options: WarmOptions = {}): Warm {
  return maker(argv, options);
}

/** Makes every later warmCommand() of this thread with `m` (the daemon's exec thread). */
export function setWarmMaker(m: WarmMaker): void {
  maker = m;
}

/**
 * After a fire, the next process is forked this much later: a fork holds up the thread that
 * makes it (a second on a slow kernel), and the fire's takeover may still have commands to
 * run (the gratuitous ARP after the VIPs). A fire that finds none waiting forks one itself.
 */
export const REARM_AFTER_MS = 1000;

/**
 * A command whose process is forked ahead of time and waits, so that the moment that matters
 * (a takeover: VIPs up, gratuitous ARP out) pays no fork and exec of its own. Each fire() uses
 * the waiting process and forks the next one at once.
 *
 * Two forms, both argument arrays, no shell string built from data:
 * - `stdinProgram`: the program itself waits on stdin (`ip -batch -`); fire() writes the input.
 * - otherwise a fixed `sh` line waits for one newline, then execs the argv given as positional
 *   parameters.
 */
export class WarmCommand implements Warm {
  private waiting?: Started;
  private closed = false;
  private rearm?: NodeJS.Timeout;

  constructor(
    private readonly argv: [string, ...string[]],
    private readonly options: WarmOptions = {},
  ) {}

  /** Forks the waiting process now (otherwise the first fire() forks one). */
  arm(): void {
    clearTimeout(this.rearm);
    if (this.closed || this.waiting) return;
    const [file, ...args] = this.argv;
    const child = this.options.stdinProgram
      ? start(file, args, { stdin: 'pipe' })
      : start('sh', ['-c', 'read -r _ || exit 0; exec "$@"', 'tandem-warm', file, ...args], { stdin: 'pipe' });
    // A process that dies while waiting (killed by an operator, say) is replaced at fire().
    void child.exit.then(() => {
      if (this.waiting === child) this.waiting = undefined;
    });
    this.waiting = child;
  }

  /** Runs the command now (with `input` on its stdin for a stdin program); re-arms for next time. */
  async fire(input = '', signal?: AbortSignal): Promise<string> {
    if (this.closed) throw new Error(`${this.argv[0]}: closed`);
    this.arm();
    const child = this.waiting as Started;
    this.waiting = undefined;
    child.end(this.options.stdinProgram ? input : '\n');
    // The next waiting process is forked only after this one has its input, and a while later:
    // the takeover that called fire() must not wait for a fork (REARM_AFTER_MS).
    clearTimeout(this.rearm);
    this.rearm = setTimeout(() => this.arm(), REARM_AFTER_MS);
    this.rearm.unref();
    const timeoutMs = this.options.timeoutMs ?? 5000;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const abort = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', abort, { once: true });
    try {
      const exit = await child.exit;
      const stderr = stderrOf(exit);
      if (signal?.aborted) return stderr;
      if (exit.error || exit.code !== 0) throw new CommandError(this.argv, exit.code ?? undefined, stderr, exit.signal === 'SIGKILL');
      return stderr;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
    }
  }

  /** Lets the waiting process go (its stdin closes; it exits without running anything). */
  close(): void {
    clearTimeout(this.rearm);
    this.closed = true;
    this.waiting?.end('');
    this.waiting = undefined;
  }
}

import { execa } from 'execa';
import type { ResultPromise } from 'execa';
import { CommandError } from './exec.js';

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
export class WarmCommand {
  private waiting?: ResultPromise;
  private closed = false;

  constructor(
    private readonly argv: [string, ...string[]],
    private readonly options: { stdinProgram?: boolean; timeoutMs?: number } = {},
  ) {}

  /** Forks the waiting process now (otherwise the first fire() forks one). */
  arm(): void {
    if (this.closed || this.waiting) return;
    const [file, ...args] = this.argv;
    const child = this.options.stdinProgram
      ? execa(file, args, { stdin: 'pipe', reject: false })
      : execa('sh', ['-c', 'read -r _ || exit 0; exec "$@"', 'tandem-warm', file, ...args], { stdin: 'pipe', reject: false });
    // A process that dies while waiting (killed by an operator, say) is replaced at fire().
    void child.then(() => {
      if (this.waiting === child) this.waiting = undefined;
    });
    this.waiting = child;
  }

  /** Runs the command now (with `input` on its stdin for a stdin program); re-arms for next time. */
  async fire(input = '', signal?: AbortSignal): Promise<void> {
    if (this.closed) throw new Error(`${this.argv[0]}: closed`);
    this.arm();
    const child = this.waiting as ResultPromise;
    this.waiting = undefined;
    child.stdin?.end(this.options.stdinProgram ? input : '\n');
    // The next waiting process is forked only after this one has its input: a fork blocks the
    // event loop (tens of ms for a large process, a second on a loaded slow kernel), and the
    // takeover that called fire() must not wait for it.
    setImmediate(() => this.arm());
    const timeoutMs = this.options.timeoutMs ?? 5000;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const abort = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', abort, { once: true });
    try {
      const result = await child;
      if (signal?.aborted) return;
      if (result.exitCode !== 0) {
        const stderr = typeof result.stderr === 'string' ? result.stderr : '';
        throw new CommandError(this.argv, result.exitCode, stderr, result.signal === 'SIGKILL');
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
    }
  }

  /** Lets the waiting process go (its stdin closes; it exits without running anything). */
  close(): void {
    this.closed = true;
    this.waiting?.stdin?.end();
    this.waiting = undefined;
  }
}

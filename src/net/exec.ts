import { start, stderrOf } from './child.js';

/** A system command that failed: the argv, exit code and stderr, in one error type. */
export class CommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly exitCode: number | undefined,
    readonly stderr: string,
    readonly timedOut: boolean,
    options?: { cause?: unknown },
  ) {
    // No exit code and no timeout: it never ran (ENOENT), or a signal ended it (the stderr says which).
    const what = timedOut ? 'timed out' : exitCode === undefined ? 'failed' : `exited ${exitCode}`;
    super(`${argv.join(' ')}: ${what}${stderr ? `: ${stderr.trim()}` : ''}`, options);
    this.name = 'CommandError';
  }
}

export interface RunOptions {
  timeoutMs?: number;
  input?: string;
  /** Aborting kills the process (its error is then a CommandError too). */
  signal?: AbortSignal;
  /** Added to the inherited environment. */
  env?: Record<string, string>;
  /** Run as this user and group (numeric ids). */
  uid?: number;
  gid?: number;
  /**
   * Run in a process group of its own, and at the timeout (or abort) signal the whole group:
   * a script's children (`sh -c 'curl ...'`) would otherwise hold its output open, and the
   * run would last as long as they do.
   */
  group?: boolean;
}

/**
 * Runs a program with an argument array (never a shell), a timeout and a kill escalation.
 * Resolves with stdout; rejects with CommandError.
 */
export async function run(file: string, args: string[], options: RunOptions = {}): Promise<string> {
  return (await runFull(file, args, options)).stdout;
}

export interface Output {
  stdout: string;
  stderr: string;
}

export type Runner = (file: string, args: string[], options: RunOptions) => Promise<Output>;

/** Where commands run: in this thread, unless the daemon moved them to its exec thread. */
let runner: Runner = runHere;

/** Sends every later run() of this thread to `r` (the daemon's exec thread: exec-thread.ts). */
export function setRunner(r: Runner): void {
  runner = r;
}

/** As run(), with what the program printed on stderr even when it succeeded. */
export function runFull(file: string, args: string[], options: RunOptions = {}): Promise<Output> {
  return runner(file, args, options);
}

/** After SIGTERM (a timeout, an abort), SIGKILL this much later if the command is still there. */
const KILL_AFTER_MS = 1000;

/** runFull() in this thread: the fork and exec happen here. */
export async function runHere(file: string, args: string[], options: RunOptions = {}): Promise<Output> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const group = options.group ?? false;
  const started = start(file, args, {
    stdin: options.input === undefined ? 'ignore' : 'pipe',
    stdout: true,
    env: options.env,
    uid: options.uid,
    gid: options.gid,
    detached: group,
  });
  if (options.input !== undefined) started.end(options.input);
  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (why: 'timeout' | 'abort') => {
    // A group's run that ends on a signal counts as timed out, as it always has.
    timedOut ||= why === 'timeout' || group;
    started.kill('SIGTERM');
    killTimer ??= setTimeout(() => started.kill('SIGKILL'), KILL_AFTER_MS);
    killTimer.unref();
  };
  const timer = setTimeout(() => stop('timeout'), timeoutMs);
  const abort = () => stop('abort');
  if (options.signal?.aborted) abort();
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    const exit = await started.exit;
    if (exit.error || exit.code !== 0 || timedOut || options.signal?.aborted) {
      throw new CommandError([file, ...args], exit.code ?? undefined, stderrOf(exit), timedOut);
    }
    return { stdout: exit.stdout, stderr: exit.stderr };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', abort);
  }
}

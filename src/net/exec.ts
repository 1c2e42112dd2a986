import { execa, ExecaError } from 'execa';

/** A system command that failed: the argv, exit code and stderr, in one error type. */
export class CommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly exitCode: number | undefined,
    readonly stderr: string,
    readonly timedOut: boolean,
    options?: { cause?: unknown },
  ) {
    const what = timedOut ? 'timed out' : exitCode === undefined ? 'could not run' : `exited ${exitCode}`;
    super(`${argv.join(' ')}: ${what}${stderr ? `: ${stderr.trim()}` : ''}`, options);
    this.name = 'CommandError';
  }
}

/** What a finished command said on stderr; for one that could not start (ENOENT), why. */
export function stderrOf(result: { stderr?: unknown; code?: string; originalMessage?: string }): string {
  if (typeof result.stderr === 'string' && result.stderr) return result.stderr;
  return result.code ? `${result.code}: ${result.originalMessage ?? ''}` : '';
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

/** runFull() in this thread: the fork and exec happen here. */
export async function runHere(file: string, args: string[], options: RunOptions = {}): Promise<Output> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const group = options.group ?? false;
  const subprocess = execa(file, args, {
    timeout: group ? undefined : timeoutMs,
    forceKillAfterDelay: 1000,
    input: options.input,
    cancelSignal: group ? undefined : options.signal,
    stdin: options.input === undefined ? 'ignore' : undefined,
    stripFinalNewline: true,
    env: options.env,
    uid: options.uid,
    gid: options.gid,
    detached: group,
  });
  let groupKilled = false;
  let timer: NodeJS.Timeout | undefined;
  const killGroup = () => {
    groupKilled = true;
    signalGroup(subprocess.pid, 'SIGTERM');
    setTimeout(() => signalGroup(subprocess.pid, 'SIGKILL'), 1000).unref();
  };
  if (group) {
    timer = setTimeout(killGroup, timeoutMs);
    options.signal?.addEventListener('abort', killGroup, { once: true });
  }
  try {
    const result = await subprocess;
    return { stdout: result.stdout, stderr: result.stderr };
  } catch (err) {
    if (err instanceof ExecaError) {
      throw new CommandError([file, ...args], groupKilled ? undefined : err.exitCode, stderrOf(err), err.timedOut || groupKilled, { cause: err });
    }
    throw err;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', killGroup);
  }
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

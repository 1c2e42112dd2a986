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
}

/**
 * Runs a program with an argument array (never a shell), a timeout and a kill escalation.
 * Resolves with stdout; rejects with CommandError.
 */
export async function run(file: string, args: string[], options: RunOptions = {}): Promise<string> {
  return (await runFull(file, args, options)).stdout;
}

/** As run(), with what the program printed on stderr even when it succeeded. */
export async function runFull(file: string, args: string[], options: RunOptions = {}): Promise<{ stdout: string; stderr: string }> {
  try {
    const result = await execa(file, args, {
      timeout: options.timeoutMs ?? 5000,
      forceKillAfterDelay: 1000,
      input: options.input,
      cancelSignal: options.signal,
      stdin: options.input === undefined ? 'ignore' : undefined,
      stripFinalNewline: true,
      env: options.env,
      uid: options.uid,
      gid: options.gid,
    });
    return { stdout: result.stdout, stderr: result.stderr };
  } catch (err) {
    if (err instanceof ExecaError) {
      const stderr = typeof err.stderr === 'string' && err.stderr ? err.stderr : err.code ? `${err.code}: ${err.originalMessage}` : '';
      throw new CommandError([file, ...args], err.exitCode, stderr, err.timedOut, { cause: err });
    }
    throw err;
  }
}

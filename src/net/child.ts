import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/**
 * How a child process ended: its exit code or the signal that killed it, what it wrote (with
 * one final newline taken off, as a shell's `$(...)` does), and the error when it never ran.
 */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The spawn failed (ENOENT, EACCES, EPERM for a uid): the process never ran. */
  error?: NodeJS.ErrnoException;
  /** It wrote more than this many characters on stdout or stderr, and was killed for it. */
  overflowed?: number;
}

/**
 * The most a command may write on each of stdout and stderr (characters): the largest the daemon
 * reads is `ipvsadm -Sn` of a big table (5 MB for 100,000 real servers). A runaway script that
 * writes without end is killed here instead of filling the daemon's memory.
 */
export const MAX_OUTPUT_CHARS = 64 * 1024 * 1024;

export interface Started {
  /** Writes the input to the process's stdin and closes it (nothing without a stdin pipe). */
  end(input: string): void;
  /** Signals the process, or its whole group when it was started detached; one gone is no error. */
  kill(sig: NodeJS.Signals): void;
  /** Settles once the process has exited and its output pipes have closed; never rejects. */
  exit: Promise<Exit>;
}

export interface StartOptions {
  /** 'pipe' to write input later (child.stdin), 'ignore' for /dev/null. */
  stdin: 'pipe' | 'ignore';
  /** Keep stdout (otherwise it goes to /dev/null). */
  stdout?: boolean;
  /** Added to the inherited environment. */
  env?: Record<string, string>;
  uid?: number;
  gid?: number;
  /** In a session and process group of its own (kill(-pid) reaches its children too). */
  detached?: boolean;
  /** MAX_OUTPUT_CHARS unless said (the tests say less). */
  maxOutputChars?: number;
}

/**
 * Starts a program with an argument array (never a shell). The daemon's commands run through
 * here rather than through execa: Node.js's child_process does all they need, and loading
 * execa cost each thread that ran a command 6 MB of resident memory (README, "Footprint").
 */
export function start(file: string, args: readonly string[], options: StartOptions): Started {
  let stdout = '';
  let stderr = '';
  let child: ChildProcess;
  try {
    child = spawn(file, args, {
      stdio: [options.stdin, options.stdout ? 'pipe' : 'ignore', 'pipe'],
      env: options.env ? { ...process.env, ...options.env } : process.env,
      uid: options.uid,
      gid: options.gid,
      detached: options.detached ?? false,
    });
  } catch (err) {
    // Arguments spawn() refuses outright (a NUL byte in one): a program that did not run.
    const error = err as NodeJS.ErrnoException;
    return { end: () => {}, kill: () => {}, exit: Promise.resolve({ code: null, signal: null, stdout, stderr, error }) };
  }
  const most = options.maxOutputChars ?? MAX_OUTPUT_CHARS;
  let overflowed: number | undefined;
  const overflow = () => {
    overflowed = most;
    child.stdout?.destroy();
    child.stderr?.destroy();
    kill('SIGKILL');
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    if (stdout.length + chunk.length > most) overflow();
    else stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderr.length + chunk.length > most) overflow();
    else stderr += chunk;
  });
  // A program that exits without reading its input: the write fails with EPIPE, which is its
  // business, not ours (its exit code says what happened).
  child.stdin?.on('error', () => {});
  const exit = new Promise<Exit>((resolve) => {
    let error: NodeJS.ErrnoException | undefined;
    child.on('error', (err: NodeJS.ErrnoException) => {
      // Only a spawn that failed (no pid) ends the run with an error; the 'close' follows it.
      if (child.pid === undefined) error = err;
    });
    child.on('close', (code: number | null, sig: NodeJS.Signals | null) => {
      // A process that never started "exits" with the negated errno (-2 for ENOENT): no code.
      resolve({
        code: error ? null : code,
        signal: sig,
        stdout: withoutFinalNewline(stdout),
        stderr: withoutFinalNewline(stderr),
        ...(error ? { error } : {}),
        ...(overflowed !== undefined ? { overflowed } : {}),
      });
    });
  });
  return { end: (input) => child.stdin?.end(input), kill, exit };

  function kill(sig: NodeJS.Signals): void {
    const group = options.detached ?? false;
    // A group is signalled even after its leader has exited: its other members (a script's
    // children) may hold the output open. A lone process that has exited is left alone.
    if (child.pid === undefined || (!group && (child.exitCode !== null || child.signalCode !== null))) return;
    try {
      process.kill(group ? -child.pid : child.pid, sig);
    } catch {
      // Gone already.
    }
  }
}

function withoutFinalNewline(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

/**
 * What a finished command said on stderr; for one that could not start (ENOENT), that wrote too
 * much, or that a signal ended without a word, why.
 */
export function stderrOf(exit: Exit): string {
  if (exit.error) return `${exit.error.code ?? 'error'}: ${exit.error.message}`;
  if (exit.overflowed !== undefined) return `killed: it wrote more than ${Math.round(exit.overflowed / 2 ** 20)} MB${exit.stderr ? `; its stderr began: ${exit.stderr.slice(0, 200)}` : ''}`;
  if (exit.stderr) return exit.stderr;
  return exit.signal ? `killed by ${exit.signal}` : '';
}

import type { RunOptions } from './exec.js';
import type { WarmOptions } from './warm.js';

/** What the daemon's main thread asks of its exec thread (exec-thread.ts). */
export type ExecRequest =
  | { op: 'run'; id: number; file: string; args: string[]; options: Omit<RunOptions, 'signal'> }
  | { op: 'warm'; handle: number; argv: [string, ...string[]]; options: WarmOptions }
  | { op: 'arm'; handle: number }
  | { op: 'fire'; id: number; handle: number; input: string }
  | { op: 'close'; handle: number }
  /** The caller's AbortSignal fired: the run or fire `id` is killed. */
  | { op: 'abort'; id: number };

/** A CommandError as it crosses the thread boundary. */
export interface CommandFailure {
  argv: string[];
  exitCode: number | undefined;
  stderr: string;
  timedOut: boolean;
}

export type ExecReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { message: string; command?: CommandFailure } };

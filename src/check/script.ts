import { CommandError, run } from '../net/exec.js';
import type { UserIds } from '../net/users.js';
import type { CheckOutcome } from './types.js';
import { errorText } from './types.js';

export interface ScriptCheckOptions {
  argv: [string, ...string[]];
  env: Record<string, string>;
  user?: UserIds;
  /** Keepalived's misc_dynamic: statuses 2-255 mean up with weight status - 2. */
  dynamic: boolean;
  timeoutMs: number;
}

/** Maps an exit status to an outcome (pure): 0 up, and in dynamic mode 2-255 up with a weight. */
export function judgeExit(status: number, dynamic: boolean, stderr: string): CheckOutcome {
  if (status === 0) return { ok: true, message: 'exit 0' };
  if (dynamic && status >= 2 && status <= 255) return { ok: true, message: `exit ${status}: weight ${status - 2}`, weight: status - 2 };
  return { ok: false, message: `exit ${status}${stderr ? `: ${lastLine(stderr)}` : ''}` };
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 200);
}

/** An external program (argv, no shell), killed at the timeout. */
export async function checkScript(opts: ScriptCheckOptions, signal: AbortSignal): Promise<CheckOutcome> {
  const [file, ...args] = opts.argv;
  try {
    await run(file, args, { timeoutMs: opts.timeoutMs, signal, env: opts.env, uid: opts.user?.uid, gid: opts.user?.gid, group: true });
    return judgeExit(0, opts.dynamic, '');
  } catch (err) {
    if (err instanceof CommandError) {
      if (err.timedOut || signal.aborted) return { ok: false, message: 'killed at the timeout' };
      if (err.exitCode !== undefined) return judgeExit(err.exitCode, opts.dynamic, err.stderr);
      return { ok: false, message: `could not run ${file}: ${err.stderr || err.message}` };
    }
    return { ok: false, message: errorText(err) };
  }
}

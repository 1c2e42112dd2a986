import { CommandError, run } from '../net/exec.js';
import type { CheckOutcome, CheckTarget } from './types.js';

/**
 * ICMP echo, as Keepalived's PING_CHECK, through iputils `ping` (Node has no raw sockets):
 * one echo request, up when its reply comes back within the timeout.
 */
export async function checkPing(target: CheckTarget, timeoutMs: number, signal: AbortSignal): Promise<CheckOutcome> {
  const waitSeconds = Math.max(1, Math.ceil(timeoutMs / 1000));
  const args = ['-n', '-q', '-c', '1', '-W', String(waitSeconds), ...(target.source ? ['-I', target.source] : []), target.address];
  try {
    await run('ping', args, { timeoutMs: timeoutMs + 500, signal });
    return { ok: true, message: 'echo reply' };
  } catch (err) {
    if (err instanceof CommandError && err.exitCode === 1) return { ok: false, message: 'no echo reply' };
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

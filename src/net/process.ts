import { readFileSync } from 'node:fs';

/**
 * Whether a process runs: it exists (signal 0 reaches it, or it is another user's) and is not a
 * zombie. A killed daemon whose parent does not reap it (an init that never waits, as in some
 * containers) stays a zombie, and must not keep its state dir claimed.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // /proc/PID/stat: "PID (comm) STATE ..."; comm may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

import { isIP } from 'node:net';
import { CommandError, run } from './exec.js';

export type IpObjectKind = 'route' | 'rule';

/**
 * The seam for the routes and policy rules tandem keeps (an instance's `routes` and `rules`
 * while it is master, `static_routes` and `static_rules` from start to stop). Each spec is the
 * argument list a config entry became (ip-spec.ts).
 */
export interface IpObjects {
  /** Puts them in place; one already there is no error. */
  add(kind: IpObjectKind, specs: string[][]): Promise<void>;
  /** Takes them away; one not there is no error. */
  remove(kind: IpObjectKind, specs: string[][]): Promise<void>;
}

/** What `ip` says when what it is asked to delete is not there (or its device is gone). */
const ABSENT = /No such process|No such file or directory|Cannot find device|No such device|does not exist/;

/** IPv6 when any of its addresses is (`default` alone is IPv4, as `ip` takes it). */
export function specFamily(argv: string[]): 4 | 6 {
  return argv.some((w) => isIP(w.split('/')[0] ?? '') === 6) ? 6 : 4;
}

/**
 * `ip route` and `ip rule` through `ip -force -batch -`, one run per family and change. A route
 * is added with `replace`; a rule, which `ip` would add twice, is deleted first.
 */
export class IpCommandObjects implements IpObjects {
  async add(kind: IpObjectKind, specs: string[][]): Promise<void> {
    if (!specs.length) return;
    if (kind === 'rule') await this.remove(kind, specs);
    await this.batch(specs, (argv) => `${kind} ${kind === 'route' ? 'replace' : 'add'} ${argv.join(' ')}`, false);
  }

  async remove(kind: IpObjectKind, specs: string[][]): Promise<void> {
    await this.batch(specs, (argv) => `${kind} del ${argv.join(' ')}`, true);
  }

  private async batch(specs: string[][], line: (argv: string[]) => string, absentOk: boolean): Promise<void> {
    for (const family of [4, 6] as const) {
      const mine = specs.filter((s) => specFamily(s) === family);
      if (!mine.length) continue;
      try {
        await run('ip', [`-${family}`, '-force', '-batch', '-'], { input: mine.map((s) => `${line(s)}\n`).join('') });
      } catch (err) {
        // -force goes on past a failed line; each failure is an error line and a "Command failed" line.
        const errors = err instanceof CommandError ? err.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('Command failed')) : [];
        if (!absentOk || !errors.length || errors.some((l) => !ABSENT.test(l))) throw err;
      }
    }
  }
}

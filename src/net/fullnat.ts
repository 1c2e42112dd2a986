import { writeFile } from 'node:fs/promises';
import type { FullNatEntry } from '../ipvs/fullnat.js';
import { FULLNAT_CHAIN, fullNatRestore } from '../ipvs/fullnat.js';
import { run } from './exec.js';
import { IPTABLES_TIMEOUT_MS, IPTABLES_VARIANTS, iptablesRestore } from './iptables.js';
import type { IptablesVariant } from './iptables.js';

/** The seam between the services and full NAT's source NAT (none in the simulator). */
export interface FullNat {
  /**
   * Makes the chain hold the rules of `entries` (the first call with any creates it, its jump
   * from POSTROUTING, and turns on IPVS conntrack); says which iptables command does it.
   */
  configure(entries: FullNatEntry[]): Promise<{ command: string | null; rules: number; unrouted: string[] }>;
}

/** The source address of this host's route to `address` (`ip route get`), if it has one. */
async function routeSource(address: string): Promise<string | undefined> {
  try {
    const [route] = JSON.parse(await run('ip', ['-j', 'route', 'get', address])) as { prefsrc?: string }[];
    return route?.prefsrc;
  } catch {
    return undefined;
  }
}

/** Where IPVS lets netfilter's conntrack follow its connections (needed by the source NAT). */
const CONNTRACK = '/proc/sys/net/ipv4/vs/conntrack';

/**
 * Full NAT's source NAT in iptables' nat table. Each server's source is the one this host's
 * route to it picks, looked up at each configure (start and reload); a server with no route
 * gets no rule and is reported. The system's iptables is tried first (on a
 * Debian kernel, iptables-nft with the ipvs match through nft_compat), then iptables-legacy
 * (User-mode Linux's kernel has no nftables NAT). Nothing is made while no real server is
 * fullnat; the chain stays when tandem stops, as the IPVS table does.
 */
export class IptablesFullNat implements FullNat {
  private variant?: IptablesVariant;
  private readonly applied = new Map<4 | 6, string>();

  async configure(entries: FullNatEntry[]): Promise<{ command: string | null; rules: number; unrouted: string[] }> {
    if (!entries.length && !this.variant) return { command: null, rules: 0, unrouted: [] };
    this.variant ??= await this.install();
    if (entries.length) await writeFile(CONNTRACK, '1\n');
    const sources = new Map<string, string>();
    for (const server of new Set(entries.map((e) => e.server))) {
      const source = await routeSource(server);
      if (source) sources.set(server, source);
    }
    // The families with rules now, and those that had some (emptied now).
    for (const family of new Set([...this.applied.keys(), ...entries.map((e) => e.family)])) {
      const text = fullNatRestore(entries.filter((e) => e.family === family), sources);
      if (this.applied.get(family) === text) continue;
      if (!this.applied.has(family)) await this.setUp(this.variant[family]);
      await iptablesRestore(this.variant[family], text);
      this.applied.set(family, text);
    }
    const unrouted = [...new Set(entries.map((e) => e.server))].filter((server) => !sources.has(server));
    return { command: this.variant[4], rules: entries.filter((e) => sources.has(e.server)).length, unrouted };
  }

  /** The first variant whose IPv4 nat table takes the chain, its jump and an ipvs-match rule. */
  private async install(): Promise<IptablesVariant> {
    let firstError: unknown;
    for (const variant of IPTABLES_VARIANTS) {
      try {
        await this.setUp(variant[4]);
        return variant;
      } catch (err) {
        firstError ??= err;
      }
    }
    throw new Error(`full NAT needs iptables' nat table and its ipvs match (xt_ipvs): ${(firstError as Error).message}`);
  }

  /** The chain, empty, jumped to from POSTROUTING, its kind of rule tried once. */
  private async setUp(command: string): Promise<void> {
    const jumps = await run(command, ['-w', '-t', 'nat', '-C', 'POSTROUTING', '-j', FULLNAT_CHAIN], { timeoutMs: IPTABLES_TIMEOUT_MS }).then(
      () => true,
      () => false,
    );
    const probe = `-A ${FULLNAT_CHAIN} -m ipvs --ipvs --vdir ORIGINAL --vmethod MASQ -j SNAT --to-source ${command.startsWith('ip6') ? '::1' : '127.0.0.1'}`;
    const input = ['*nat', `:${FULLNAT_CHAIN} - [0:0]`, probe, `-F ${FULLNAT_CHAIN}`, ...(jumps ? [] : [`-A POSTROUTING -j ${FULLNAT_CHAIN}`]), 'COMMIT', ''];
    await iptablesRestore(command, input.join('\n'));
  }
}

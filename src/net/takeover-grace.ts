import { writeFile } from 'node:fs/promises';
import type { GraceEntry } from '../ipvs/takeover-grace.js';
import { GRACE_CHAIN, GRACE_LIST, graceRestore } from '../ipvs/takeover-grace.js';
import { run } from './exec.js';
import { IPTABLES_TIMEOUT_MS, IPTABLES_VARIANTS, iptablesRestore } from './iptables.js';
import type { IptablesVariant } from './iptables.js';

/** The seam between the director and the takeover grace's packet filter (see src/ipvs/takeover-grace.ts). */
export interface TakeoverGrace {
  /**
   * Makes the chain hold the rules of `entries` (every TCP service on a VIP), with its jump
   * from OUTPUT; the first call creates it. Says which families have it.
   */
  configure(entries: GraceEntry[], seconds: number): Promise<{ families: (4 | 6)[]; command: string }>;
  /** Starts the grace of these VIPs now. */
  open(addresses: string[]): Promise<void>;
  /** Removes the chain and its jump. */
  remove(): Promise<void>;
}

/** The grace in iptables and xt_recent: commands at start and reload only, a /proc write at a takeover. */
export class IptablesTakeoverGrace implements TakeoverGrace {
  private variant?: IptablesVariant;
  private families: (4 | 6)[] = [];
  private readonly applied = new Map<4 | 6, string>();

  constructor(private readonly list = `/proc/net/xt_recent/${GRACE_LIST}`) {}

  async configure(entries: GraceEntry[], seconds: number): Promise<{ families: (4 | 6)[]; command: string }> {
    if (!this.variant) await this.install();
    const variant = this.variant as IptablesVariant;
    for (const family of this.families) {
      const text = graceRestore(entries.filter((e) => e.family === family), seconds);
      if (this.applied.get(family) === text) continue;
      await iptablesRestore(variant[family], text);
      this.applied.set(family, text);
    }
    return { families: this.families, command: variant[4] };
  }

  private async install(): Promise<void> {
    let firstError: unknown;
    for (const variant of IPTABLES_VARIANTS) {
      try {
        await this.setUp(variant[4]);
      } catch (err) {
        firstError ??= err;
        continue;
      }
      this.variant = variant;
      // An IPv6 VIP's grace needs ip6tables too; a kernel without it still has IPv4's.
      this.families = [4, ...(await this.setUp(variant[6]).then(() => [6 as const], () => []))];
      return;
    }
    throw firstError;
  }

  /**
   * The chain, empty, with a jump to it first in OUTPUT, and its kind of rule tried once (the
   * recent match needs xt_recent): two commands, each a second on a slow kernel.
   */
  private async setUp(command: string): Promise<void> {
    const jumps = await run(command, ['-w', '-C', 'OUTPUT', '-j', GRACE_CHAIN], { timeoutMs: IPTABLES_TIMEOUT_MS }).then(() => true, () => false);
    const probe = `-A ${GRACE_CHAIN} -p tcp --tcp-flags RST,ACK RST -m recent --name ${GRACE_LIST} --rsource --rcheck --seconds 1 -j DROP`;
    const input = ['*filter', `:${GRACE_CHAIN} - [0:0]`, probe, `-F ${GRACE_CHAIN}`, ...(jumps ? [] : [`-I OUTPUT 1 -j ${GRACE_CHAIN}`]), 'COMMIT', ''];
    await iptablesRestore(command, input.join('\n'));
  }

  async open(addresses: string[]): Promise<void> {
    // One address per write: the kernel reads one command from each.
    for (const address of addresses) await writeFile(this.list, `+${address}\n`);
  }

  async remove(): Promise<void> {
    const errors: unknown[] = [];
    for (const family of this.families) {
      const command = this.variant?.[family] as string;
      const input = (jump: boolean) => ['*filter', ...(jump ? [`-D OUTPUT -j ${GRACE_CHAIN}`] : []), `-F ${GRACE_CHAIN}`, `-X ${GRACE_CHAIN}`, 'COMMIT', ''].join('\n');
      // Without its jump (an operator's firewall reload took it), the chain still goes.
      await iptablesRestore(command, input(true))
        .catch(() => iptablesRestore(command, input(false)))
        .catch((err: unknown) => errors.push(err));
    }
    this.families = [];
    this.variant = undefined;
    this.applied.clear();
    if (errors.length) throw errors[0];
  }
}

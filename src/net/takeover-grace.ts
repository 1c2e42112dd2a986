import type { GraceEntry } from '../ipvs/takeover-grace.js';
import { GRACE_CHAIN, GraceWindows, graceRestore } from '../ipvs/takeover-grace.js';
import { run } from './exec.js';
import { warmCommand } from './warm.js';
import type { Warm } from './warm.js';

/** The seam between the director and the takeover grace's packet filter (see src/ipvs/takeover-grace.ts). */
export interface TakeoverGrace {
  /** Creates the (empty) chain and its jump from OUTPUT; says which families have it. */
  install(): Promise<{ families: (4 | 6)[]; command: string }>;
  /** Holds stray packets to `entries` for `seconds` from now. */
  open(entries: GraceEntry[], seconds: number): Promise<void>;
  /** Removes the chain and its jump. */
  remove(): Promise<void>;
}

/**
 * The iptables commands to try, in order: the system's own (on Debian, iptables-nft), then the
 * legacy ones for a kernel whose nf_tables lacks the families (User-mode Linux's).
 */
const VARIANTS = [
  { 4: 'iptables', 6: 'ip6tables' },
  { 4: 'iptables-legacy', 6: 'ip6tables-legacy' },
] as const;

type Variant = (typeof VARIANTS)[number];

/** A bound, not a goal: in the real-IPVS guest one iptables command takes a second when idle. */
const TIMEOUT_MS = 30_000;

/**
 * The grace in iptables. A takeover rewrites the chain through an `iptables-restore` forked
 * ahead of time, as the VIPs' `ip` is; a timer rewrites it again as entries end.
 */
export class IptablesTakeoverGrace implements TakeoverGrace {
  private variant?: Variant;
  private families: (4 | 6)[] = [];
  private readonly windows = new GraceWindows();
  private readonly warm = new Map<4 | 6, Warm>();
  private readonly applied = new Map<4 | 6, string>();
  private timer?: NodeJS.Timeout;
  private queue: Promise<void> = Promise.resolve();

  async install(): Promise<{ families: (4 | 6)[]; command: string }> {
    let firstError: unknown;
    for (const variant of VARIANTS) {
      try {
        await this.setUp(variant[4]);
      } catch (err) {
        firstError ??= err;
        continue;
      }
      this.variant = variant;
      // An IPv6 VIP's grace needs ip6tables too; a kernel without it still has IPv4's.
      this.families = [4, ...(await this.setUp(variant[6]).then(() => [6 as const], () => []))];
      // Left empty: a takeover with nothing to hold writes nothing.
      for (const family of this.families) this.applied.set(family, graceRestore([]));
      for (const family of this.families) this.warmFor(family).arm();
      return { families: this.families, command: variant[4] };
    }
    throw firstError;
  }

  /**
   * The chain, empty, with a jump to it first in OUTPUT, and its kind of rule tried once: two
   * commands (each takes a second on a slow kernel).
   */
  private async setUp(command: string): Promise<void> {
    const jumps = await run(command, ['-w', '-C', 'OUTPUT', '-j', GRACE_CHAIN], { timeoutMs: TIMEOUT_MS }).then(() => true, () => false);
    const input = ['*filter', `:${GRACE_CHAIN} - [0:0]`, `-A ${GRACE_CHAIN} -p tcp --tcp-flags RST,ACK RST -j DROP`, `-F ${GRACE_CHAIN}`, ...(jumps ? [] : [`-I OUTPUT 1 -j ${GRACE_CHAIN}`]), 'COMMIT', ''];
    await run(`${command}-restore`, ['-w', '--noflush'], { input: input.join('\n'), timeoutMs: TIMEOUT_MS });
  }

  private warmFor(family: 4 | 6): Warm {
    let w = this.warm.get(family);
    if (!w) this.warm.set(family, (w = warmCommand([`${this.variant?.[family] ?? VARIANTS[0][family]}-restore`, '-w', '--noflush'], { stdinProgram: true, timeoutMs: TIMEOUT_MS })));
    return w;
  }

  open(entries: GraceEntry[], seconds: number): Promise<void> {
    this.windows.open(entries, Date.now() + seconds * 1000);
    return this.apply();
  }

  /** Writes each family's chain as the windows now stand, and times the next rewrite. */
  private apply(): Promise<void> {
    const work = this.queue.then(async () => {
      clearTimeout(this.timer);
      const now = Date.now();
      await Promise.all(
        this.families.map(async (family) => {
          const text = graceRestore(this.windows.live(now, family));
          if (this.applied.get(family) === text) return;
          await this.warmFor(family).fire(text);
          this.applied.set(family, text);
        }),
      );
      const end = this.windows.nextEnd();
      if (end !== undefined) this.timer = setTimeout(() => void this.apply().catch(() => undefined), Math.max(0, end - Date.now()));
    });
    this.queue = work.catch(() => undefined);
    return work;
  }

  async remove(): Promise<void> {
    clearTimeout(this.timer);
    this.windows.clear();
    await this.queue;
    for (const w of this.warm.values()) w.close();
    this.warm.clear();
    this.applied.clear();
    const errors: unknown[] = [];
    for (const family of this.families) {
      const command = this.variant?.[family] as string;
      const input = (jump: boolean) => ['*filter', ...(jump ? [`-D OUTPUT -j ${GRACE_CHAIN}`] : []), `-F ${GRACE_CHAIN}`, `-X ${GRACE_CHAIN}`, 'COMMIT', ''].join('\n');
      // Without its jump (an operator's firewall reload took it), the chain still goes.
      await run(`${command}-restore`, ['-w', '--noflush'], { input: input(true), timeoutMs: TIMEOUT_MS })
        .catch(() => run(`${command}-restore`, ['-w', '--noflush'], { input: input(false), timeoutMs: TIMEOUT_MS }))
        .catch((err: unknown) => errors.push(err));
    }
    this.families = [];
    if (errors.length) throw errors[0];
  }
}

import type { GraceEntry } from '../ipvs/takeover-grace.js';
import { GRACE_CHAIN, GraceWindows, graceRestore } from '../ipvs/takeover-grace.js';
import { CommandError, run } from './exec.js';
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

const TIMEOUT_MS = 10_000;

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
      for (const family of this.families) this.warmFor(family).arm();
      return { families: this.families, command: variant[4] };
    }
    throw firstError;
  }

  /** The chain, empty, with a jump to it first in OUTPUT; a rule like its own tried once. */
  private async setUp(command: string): Promise<void> {
    const ipt = (...args: string[]) => run(command, ['-w', ...args], { timeoutMs: TIMEOUT_MS });
    await ipt('-N', GRACE_CHAIN).catch((err: unknown) => {
      if (!(err instanceof CommandError && /already exists/i.test(err.stderr))) throw err;
    });
    await ipt('-A', GRACE_CHAIN, '-p', 'tcp', '--tcp-flags', 'RST,ACK', 'RST', '-j', 'DROP');
    await ipt('-F', GRACE_CHAIN);
    if (!(await ipt('-C', 'OUTPUT', '-j', GRACE_CHAIN).then(() => true, () => false))) await ipt('-I', 'OUTPUT', '1', '-j', GRACE_CHAIN);
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
      const ipt = (...args: string[]) => run(command, ['-w', ...args], { timeoutMs: TIMEOUT_MS });
      // Every jump to it (an operator's iptables-restore may have doubled it), within reason.
      for (let i = 0; i < 8; i++) if (!(await ipt('-D', 'OUTPUT', '-j', GRACE_CHAIN).then(() => true, () => false))) break;
      await ipt('-F', GRACE_CHAIN).then(() => ipt('-X', GRACE_CHAIN)).catch((err: unknown) => errors.push(err));
    }
    this.families = [];
    if (errors.length) throw errors[0];
  }
}

import type { GraceEntries } from '../ipvs/takeover-grace.js';
import { graceOpening, graceRemoval, graceRuleset } from '../ipvs/takeover-grace.js';
import { run } from './exec.js';
import { warmCommand } from './warm.js';
import type { Warm } from './warm.js';

/** The seam between the director and the takeover grace's packet filter (see src/ipvs/takeover-grace.ts). */
export interface TakeoverGrace {
  /** Creates the (empty) filter, replacing an earlier run's. */
  install(): Promise<void>;
  /** Holds stray packets to `entries` for `seconds` from now. */
  open(entries: GraceEntries, seconds: number): Promise<void>;
  /** Removes the filter. */
  remove(): Promise<void>;
}

const NFT: [string, ...string[]] = ['nft', '-f', '-'];

/**
 * The grace in nftables. Opening it is part of a takeover, so it goes to an `nft -f -` forked
 * ahead of time, as the VIPs' `ip` does.
 */
export class NftTakeoverGrace implements TakeoverGrace {
  private warm?: Warm;

  async install(): Promise<void> {
    await run(NFT[0], NFT.slice(1), { input: graceRuleset(), timeoutMs: 10_000 });
    this.warm ??= warmCommand(NFT, { stdinProgram: true });
    this.warm.arm();
  }

  async open(entries: GraceEntries, seconds: number): Promise<void> {
    const input = graceOpening(entries, seconds);
    if (!input) return;
    await (this.warm ??= warmCommand(NFT, { stdinProgram: true })).fire(input);
  }

  async remove(): Promise<void> {
    this.warm?.close();
    this.warm = undefined;
    await run(NFT[0], NFT.slice(1), { input: graceRemoval(), timeoutMs: 10_000 });
  }
}

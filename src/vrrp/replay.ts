import type { Advert } from './advert.js';

/** The newest (epoch, sequence) seen, by `VRID/sender`: what a restarted receiver starts from. */
export type ReplayState = Record<string, { epoch: number; seq: number }>;

/**
 * Remembers the newest (epoch, sequence) seen from each sender of each VRID and refuses anything
 * not newer: a captured advert sent again later cannot pass. A daemon's epoch grows with every
 * start, so a restarted peer is accepted at once. The state is kept across a restart of the
 * receiver too (the director saves it in its state dir).
 */
export class ReplayGuard {
  private readonly newest: Map<string, { epoch: number; seq: number }>;
  /** Something was recorded since the last snapshot. */
  changed = false;

  constructor(seed: ReplayState = {}) {
    this.newest = new Map(Object.entries(seed).filter(([, v]) => Number.isInteger(v?.epoch) && Number.isInteger(v?.seq)));
  }

  /** What to save; clears `changed`. */
  snapshot(): ReplayState {
    this.changed = false;
    return Object.fromEntries(this.newest);
  }

  /** Returns undefined when the advert is fresh (and records it), else why it is refused. */
  check(advert: Advert): string | undefined {
    const key = `${advert.vrid}/${advert.sender}`;
    const seen = this.newest.get(key);
    if (seen) {
      if (advert.epoch < seen.epoch) {
        return `epoch ${advert.epoch} is older than ${seen.epoch} already seen from ${advert.sender}`;
      }
      if (advert.epoch === seen.epoch && advert.seq <= seen.seq) {
        return `sequence ${advert.seq} is not newer than ${seen.seq} already seen from ${advert.sender}`;
      }
    }
    this.newest.set(key, { epoch: advert.epoch, seq: advert.seq });
    this.changed = true;
    return undefined;
  }
}

import type { Advert } from './advert.js';

/**
 * Remembers the newest (epoch, sequence) seen from each sender of each VRID and refuses anything
 * not newer: a captured advert sent again later cannot pass. A daemon's epoch grows with every
 * start, so a restarted peer is accepted at once.
 */
export class ReplayGuard {
  private readonly newest = new Map<string, { epoch: number; seq: number }>();

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
    return undefined;
  }
}

/*
 * How long a backup waits out a silent master. RFC 5798 waits 3 adverts plus Skew_Time; so
 * does Keepalived. On a lossy link three adverts in a row go missing often enough to make a
 * live master look dead (at 30% loss, one advert in 37 starts such a run). A backup that has
 * measured the loss on its link waits for as many missed adverts as make such a run as rare as
 * MISTAKE_ODDS, never fewer than RFC 5798's three and never more than MOST_MISSED. Only
 * silence waits: a master that leaves says so (priority 0) and is replaced at once.
 */

/** Weight of the newest advert slot in the loss average: about the last 32 adverts count. */
export const LOSS_WEIGHT = 1 / 32;
/** The chance, per advert, that a live master's adverts all go missing for the whole wait. */
export const MISTAKE_ODDS = 1e-5;
export const FEWEST_MISSED = 3;
export const MOST_MISSED = 10;
/** A gap longer than this many intervals counts as this many missed (a cut link, a restart). */
const LONGEST_GAP = 64;

/** What a backup has heard of the masters' adverts on its link. */
export interface Hearing {
  /** Share of the expected adverts that did not arrive, a moving average, 0 to 1. */
  loss: number;
  /** The last master advert heard, and from whom (gaps count only between one sender's). */
  last?: { from: string; at: number };
}

export const DEAF: Hearing = { loss: 0 };

/** Records a master advert from `from`; the gap since its last one tells how many were lost. */
export function hear(h: Hearing, from: string, now: number, intervalCs: number): Hearing {
  let loss = h.loss;
  if (h.last?.from === from && intervalCs > 0) {
    const slots = Math.min(LONGEST_GAP, Math.max(1, Math.round((now - h.last.at) / (intervalCs * 10))));
    for (let missed = 1; missed < slots; missed++) loss += LOSS_WEIGHT * (1 - loss);
    loss -= LOSS_WEIGHT * loss;
  }
  return { loss, last: { from, at: now } };
}

/** How many adverts in a row must go missing before the master is taken for dead. */
export function missedAdvertsBeforeTakeover(loss: number): number {
  if (loss <= 0) return FEWEST_MISSED;
  if (loss >= 1) return MOST_MISSED;
  // (less a hair, so that a loss whose power hits the odds exactly is not rounded up by float error)
  const needed = Math.ceil(Math.log(MISTAKE_ODDS) / Math.log(loss) - 1e-9);
  return Math.min(MOST_MISSED, Math.max(FEWEST_MISSED, needed));
}

/**
 * An advert as the state machine sees it, after decoding and authentication.
 * Modelled on VRRPv3 (RFC 5798 section 5) plus what a UDP design needs: who sent it,
 * and an epoch and sequence number that make a replayed packet detectable.
 */
export type AdvertKind = 'master' | 'backup';

export interface Advert {
  /** A master's advert (VRRP's ADVERTISEMENT) or a backup's presence advert (tandem's own). */
  kind: AdvertKind;
  /** Virtual router id, 1-255. */
  vrid: number;
  /** 0 (master leaving) to 255 (address owner). */
  priority: number;
  /** Advert interval in centiseconds, 1-4095. */
  intervalCs: number;
  /** Sender's boot epoch: grows with every start of its daemon. */
  epoch: number;
  /** Sequence number within the epoch. */
  seq: number;
  /** Sender's primary address, used for the equal-priority tie-break. */
  sender: string;
  /** The virtual addresses the sender protects, canonical text. */
  vips: string[];
}

/**
 * `key` signs; every key of `accepted` (the signing one among them) is accepted on receipt, so
 * that a key rotation never has one director refuse the other. `ids`: the configured key ids,
 * for a reload's summary (never the keys).
 */
export type Auth = { type: 'none' } | { type: 'hmac-sha256'; key: Buffer; accepted?: Buffer[]; ids?: { active: number; all: number[] } };

export function formatAdvert(a: Advert): string {
  return (
    `${a.kind} advert vrid ${a.vrid} prio ${a.priority} int ${a.intervalCs}cs from ${a.sender} ` +
    `epoch ${a.epoch} seq ${a.seq} vips [${a.vips.join(', ')}]`
  );
}

import type { Advert, Auth } from './advert.js';
import { decodeAdvert } from './codec.js';
import { ReplayGuard } from './replay.js';
import type { ReplayState } from './replay.js';

/** What became of one received packet. */
export type Verdict =
  | { accept: true; advert: Advert }
  /** Our own advert, looped back by the network: ignored, not counted. */
  | { accept: false; own: true }
  | { accept: false; own?: false; reason: string; message: string };

/** An instance as the receive policy sees it: its VRID and its advert source address. */
export interface Receiving {
  vrid: number;
  address: string;
}

/**
 * The receive policy for adverts, in one place: decode and authenticate, find the instance by
 * VRID, drop our own packets, refuse replays, and count what was received and refused (by
 * reason) for status and metrics.
 */
export class AdvertReceiver {
  private readonly replay: ReplayGuard;
  readonly stats = { received: 0, rejected: {} as Record<string, number> };

  constructor(replay: ReplayState = {}) {
    this.replay = new ReplayGuard(replay);
  }

  /** The replay guard's state when it changed since the last call (to save), else undefined. */
  replayToSave(): ReplayState | undefined {
    return this.replay.changed ? this.replay.snapshot() : undefined;
  }

  /** Judges one packet; the caller hands accepted adverts to `target`. */
  judge<T extends Receiving>(packet: Uint8Array, auth: Auth, byVrid: (vrid: number) => T | undefined): { verdict: Verdict; target?: T } {
    const decoded = decodeAdvert(packet, auth);
    if (!decoded.ok) return { verdict: this.reject(decoded.reason, decoded.message) };
    const advert = decoded.advert;
    const target = byVrid(advert.vrid);
    if (!target) return { verdict: this.reject('unknown-vrid', `vrid ${advert.vrid} is not configured here`) };
    if (advert.sender === target.address) return { verdict: { accept: false, own: true } };
    const replay = this.replay.check(advert);
    if (replay) return { verdict: this.reject('replay', replay) };
    this.stats.received += 1;
    return { verdict: { accept: true, advert }, target };
  }

  private reject(reason: string, message: string): Verdict {
    this.stats.rejected[reason] = (this.stats.rejected[reason] ?? 0) + 1;
    return { accept: false, reason, message };
  }
}

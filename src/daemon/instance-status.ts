import type { AdvertKind } from '../vrrp/advert.js';
import type { VrrpState } from '../vrrp/machine.js';

/** What `tandem status` shows of one instance. */
export interface PeerStatus {
  address: string;
  kind: AdvertKind;
  priority: number;
  ageMs: number;
}

export interface InstanceStatus {
  name: string;
  vrid: number;
  interface: string;
  address: string;
  state: VrrpState;
  priority: number;
  basePriority: number;
  advertIntervalMs: number;
  master: string | null;
  lastAdvertAgeMs: number | null;
  /** Share of the master's adverts measured lost on the way here (a moving average, 0 to 1). */
  advertLoss: number;
  /** How long a silent master is waited out now: longer while adverts are being lost. */
  masterDownMs: number;
  vips: string[];
  /** The interface the VIPs go on: `interface`, or its virtual MAC's (virtual_mac). */
  vipInterface: string;
  /** The VIPs are on this director now (a MASTER, or a leaving one waiting for its successor). */
  vipsHeld: boolean;
  /**
   * VIPs of a MASTER that the kernel did not have at the last look, and that were not put back
   * (the add failed): the master does not hold them, whatever its state says.
   */
  vipsMissing: string[];
  /** VIPs put back after something outside tandem removed them. */
  vipRepairs: number;
  faults: string[];
  peers: PeerStatus[];
  transitions: number;
  /** When the instance entered its current state (epoch ms), null before its first transition. */
  stateSince: number | null;
  advertsSent: number;
  /** Times the master of this instance changed, as seen from here. */
  masterChanges: number;
}

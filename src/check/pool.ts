/*
 * What health, drains and quorum make of a service's real servers (pure): which servers are in
 * the table and with what weight, the healthy weight, and whether the service has its quorum.
 */

export interface ServerState {
  healthy: boolean;
  /** Taken out by an operator (tandem drain, the maintenance directory). */
  drained: boolean;
  /** A weight the check set (dynamic script checks), instead of the configured one. */
  weight?: number;
}

export interface Placement {
  include: boolean;
  weight: number;
}

export interface PoolServer {
  weight: number;
  /** A failed server stays in the table at weight 0: inhibit_on_failure, or a Maglev service with mh-fallback. */
  keepOnFailure: boolean;
  state: ServerState;
}

/**
 * A failed server leaves the table, or stays with weight 0 under inhibit_on_failure so its
 * connections finish. A drained server stays with weight 0 for the same reason.
 */
export function placeServer(s: PoolServer): Placement {
  if (!s.state.healthy) return { include: s.keepOnFailure, weight: 0 };
  if (s.state.drained) return { include: true, weight: 0 };
  return { include: true, weight: s.state.weight ?? s.weight };
}

/** The weight that can take new connections: healthy, not drained. */
export function healthyWeight(servers: PoolServer[]): number {
  return servers.reduce((sum, s) => sum + (s.state.healthy && !s.state.drained ? (s.state.weight ?? s.weight) : 0), 0);
}

/**
 * Quorum with hysteresis, as Keepalived's: a service that has it loses it below
 * quorum - hysteresis; one without it gets it back at quorum + hysteresis. `was` undefined:
 * first evaluation, plain comparison.
 */
export function quorumStep(was: boolean | undefined, weight: number, quorum: number, hysteresis: number): boolean {
  if (was === undefined) return weight >= quorum;
  return was ? weight >= quorum - hysteresis : weight >= quorum + hysteresis;
}

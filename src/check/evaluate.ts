import type { RealServerConfig, VirtualServiceConfig } from '../config/schema.js';
import { serviceName } from '../config/service-name.js';
import type { ServiceView } from '../ipvs/desired.js';
import type { ServerState } from './pool.js';
import { healthyWeight, placeServer, quorumStep } from './pool.js';
import { keepsPlaceOnFailure } from '../config/scheduler.js';

export interface ServiceEvaluation {
  name: string;
  view: ServiceView;
  healthyWeight: number;
  quorum: number;
  /** The service has its quorum. */
  up: boolean;
}

/**
 * Places every service's servers from their states and decides quorum, remembering the last
 * decision per service for the hysteresis (pure: `previous` in, decisions out).
 */
export function evaluateServices(
  services: VirtualServiceConfig[],
  stateOf: (vs: VirtualServiceConfig, rs: RealServerConfig) => ServerState,
  previous: ReadonlyMap<string, boolean>,
): ServiceEvaluation[] {
  return services.map((vs) => {
    const keepPlace = keepsPlaceOnFailure(vs);
    const pool = vs.real_servers.map((rs) => ({ weight: rs.weight, keepOnFailure: keepPlace || (rs.inhibit_on_failure ?? vs.inhibit_on_failure), state: stateOf(vs, rs) }));
    const name = serviceName(vs);
    const weight = healthyWeight(pool);
    const up = quorumStep(previous.get(name), weight, vs.quorum, vs.quorum_hysteresis);
    return { name, view: { placements: pool.map(placeServer), belowQuorum: !up }, healthyWeight: weight, quorum: vs.quorum, up };
  });
}

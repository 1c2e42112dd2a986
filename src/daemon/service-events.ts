import type { Logger } from 'pino';
import { serverLabel } from '../check/build.js';
import type { Config } from '../config/schema.js';
import { serviceName } from '../config/service-name.js';
import { quorumAlert, serverAlert } from '../observe/alerts.js';
import type { Seams } from './seams.js';
import type { ServiceEvents } from './services.js';

/**
 * A real server's and a service's changes, told to the operator: the server's notify.up/down
 * and the service's notify.quorum_up/down hooks (run as written, as Keepalived runs them), and
 * alert mail for services with `alert: true`.
 */
export function serviceEvents(seams: Pick<Seams, 'hooks' | 'alerts'>, log: Logger, config: () => Config): ServiceEvents {
  return {
    server(vs, rs, up, why) {
      const hook = up ? rs.notify.up : rs.notify.down;
      const l = log.child({ service: serviceName(vs), server: serverLabel(rs) });
      if (hook) seams.hooks.run(hook, l);
      if (vs.alert) seams.alerts.send(config().alerts.smtp, serverAlert(serverLabel(rs), serviceName(vs), up, why), l);
    },
    quorum(vs, up, healthyWeight, quorum) {
      const hook = up ? vs.notify.quorum_up : vs.notify.quorum_down;
      const l = log.child({ service: serviceName(vs) });
      if (hook) seams.hooks.run(hook, l);
      if (vs.alert) seams.alerts.send(config().alerts.smtp, quorumAlert(serviceName(vs), up, healthyWeight, quorum), l);
    },
  };
}

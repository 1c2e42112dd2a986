import { Registry } from 'prom-client';
import type { ServicesSnapshot } from '../daemon/services-side.js';
import { gauge, total } from './metrics.js';

/**
 * The services' metrics (health, quorum, IPVS), made where the services run: on the services
 * thread in the daemon, so that thousands of real servers never cost the VRRP loop a scrape.
 * The daemon's /metrics is the main registry's text followed by this one's.
 */
export function createServicesRegistry(read: () => ServicesSnapshot): Registry {
  const r = new Registry();
  const servers = (s: ServicesSnapshot) => s.services.flatMap((svc) => svc.servers.map((rs) => ({ svc, rs })));
  gauge(r, 'tandem_real_server_up', 'Health of a real server: 1 up, 0 down.', ['service', 'server'], (s) => servers(s).map(({ svc, rs }) => [{ service: svc.service, server: rs.server }, rs.healthy ? 1 : 0]), read);
  gauge(r, 'tandem_real_server_weight', 'Weight of a real server in the desired table; -1 when out of it.', ['service', 'server'], (s) => servers(s).map(({ svc, rs }) => [{ service: svc.service, server: rs.server }, rs.weight ?? -1]), read);
  gauge(r, 'tandem_service_quorum', 'Whether a virtual service has its quorum: 1 or 0.', ['service'], (s) => s.services.map((svc) => [{ service: svc.service }, svc.up ? 1 : 0]), read);
  total(r, 'tandem_health_checks_total', 'Health checks run, and those that failed.', ['result'], (s) => {
    const all = servers(s);
    const failed = all.reduce((n, x) => n + x.rs.failures, 0);
    return [[{ result: 'ok' }, all.reduce((n, x) => n + x.rs.checks, 0) - failed], [{ result: 'failed' }, failed]];
  }, read);
  total(r, 'tandem_ipvs_operations_total', 'ipvsadm operations applied.', [], (s) => [[{}, s.ipvs?.operations ?? 0]], read);
  total(r, 'tandem_ipvs_errors_total', 'IPVS reconciliations that failed (each is retried).', [], (s) => [[{}, s.ipvs?.errors ?? 0]], read);
  total(r, 'tandem_ipvs_drift_repairs_total', 'Times the kernel table was found changed behind tandem\'s back and repaired.', [], (s) => [[{}, s.ipvs?.driftRepairs ?? 0]], read);
  // Only with services whose client address is passed on (HAProxy carries them).
  // A label, so that no sample is shown without such services (a metric without labels always shows one).
  gauge(r, 'tandem_proxy_up', 'Whether HAProxy runs for the services whose client address is passed on: 1 or 0.', ['proxy'], (s) => (s.proxy ? [[{ proxy: 'haproxy' }, s.proxy.pid === null ? 0 : 1]] : []), read);
  total(r, 'tandem_proxy_reloads_total', 'HAProxy reloads (a change of its services).', ['proxy'], (s) => (s.proxy ? [[{ proxy: 'haproxy' }, s.proxy.reloads]] : []), read);
  return r;
}

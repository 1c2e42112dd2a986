import type { CheckConfig, Config, RealServerConfig, VirtualServiceConfig } from './schema.js';

/**
 * A real server's checks: its `checks` (all must pass, as Keepalived's several checkers in one
 * real_server), else its own `check`, else its service's; none when neither has one.
 */
export function checksOf(vs: Pick<VirtualServiceConfig, 'check'>, rs: Pick<RealServerConfig, 'check' | 'checks'>): CheckConfig[] {
  if (rs.checks?.length) return rs.checks;
  const check = rs.check ?? vs.check;
  return check ? [check] : [];
}

/** Every check the config writes, with where it is written (a service's check once, not per server). */
export function checkPlaces(config: Pick<Config, 'virtual_services'>): { check: CheckConfig; path: (string | number)[] }[] {
  return config.virtual_services.flatMap((vs, v) => [
    ...(vs.check ? [{ check: vs.check, path: ['virtual_services', v, 'check'] }] : []),
    ...vs.real_servers.flatMap((rs, r) => [
      ...(rs.check ? [{ check: rs.check, path: ['virtual_services', v, 'real_servers', r, 'check'] }] : []),
      ...(rs.checks ?? []).map((check, k) => ({ check, path: ['virtual_services', v, 'real_servers', r, 'checks', k] })),
    ]),
  ]);
}

import { parseRouteSpec, parseRuleSpec } from '../config/ip-spec.js';
import type { IpSpec } from '../config/ip-spec.js';
import type { Config, InstanceConfig } from '../config/schema.js';

/** Routes and rules as the argument lists of `ip route` / `ip rule` (the schema has checked them). */
export interface Routing {
  routes: string[][];
  rules: string[][];
}

const argvOf = (spec: IpSpec | undefined) => (spec as IpSpec).argv;

/** What an instance's master holds besides its VIPs. */
export function instanceRouting(inst: Pick<InstanceConfig, 'routes' | 'rules'>): Routing {
  return { routes: inst.routes.map((r) => argvOf(parseRouteSpec(r))), rules: inst.rules.map((r) => argvOf(parseRuleSpec(r))) };
}

/** What the director holds from start to stop. */
export function staticRouting(config: Pick<Config, 'static_routes' | 'static_rules'>): Routing {
  return { routes: config.static_routes.map((r) => argvOf(parseRouteSpec(r))), rules: config.static_rules.map((r) => argvOf(parseRuleSpec(r))) };
}

export function sameSpecs(a: Routing, b: Routing): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** What `a` has that `b` has not. */
export function minusRouting(a: Routing, b: Routing): Routing {
  const missing = (list: string[][], from: string[][]) => list.filter((s) => !from.some((o) => o.join(' ') === s.join(' ')));
  return { routes: missing(a.routes, b.routes), rules: missing(a.rules, b.rules) };
}

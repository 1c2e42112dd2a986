import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { staticAddressPlaces } from '../config/vip.js';
import type { IpObjects } from '../net/ip-objects.js';
import type { VipManager } from '../net/vips.js';
import { instanceRouting, minusRouting, sameSpecs, staticRouting } from './routing.js';

/**
 * What a director holds from start to stop whatever its VRRP state (Keepalived's
 * static_ipaddress, static_routes and static_rules): put in place at start, after the routes
 * and rules a killed earlier run may have left (its masters' and its static ones) are taken
 * away; changed by a reload; taken away at stop.
 */
export class StaticNetwork {
  private config?: Config;

  constructor(private readonly deps: { objects?: IpObjects; vips: VipManager; log: Logger }) {}

  async start(config: Config): Promise<void> {
    const { objects } = this.deps;
    if (objects) {
      // Leftovers: no instance is master yet, so none of their routes or rules belongs here.
      const leftover = [staticRouting(config), ...config.instances.map(instanceRouting)];
      await this.apply('clear leftover routes and rules', async () => {
        await objects.remove('rule', leftover.flatMap((r) => r.rules));
        await objects.remove('route', leftover.flatMap((r) => r.routes));
      });
    }
    await this.put(config);
    this.config = config;
  }

  async update(config: Config): Promise<void> {
    const before = this.config;
    this.config = config;
    if (!before) return this.put(config);
    if (sameSpecs(staticRouting(before), staticRouting(config)) && JSON.stringify(before.static_addresses) === JSON.stringify(config.static_addresses)) return;
    await this.take(before, config);
    await this.put(config);
  }

  async stop(): Promise<void> {
    if (this.config) await this.take(this.config);
    this.config = undefined;
  }

  /** Puts a config's static addresses, routes and rules in place. */
  private async put(config: Config): Promise<void> {
    const { objects, vips } = this.deps;
    const routing = staticRouting(config);
    await this.apply('static addresses', async () => {
      for (const { iface, vips: list } of staticAddressPlaces(config)) await vips.add(iface, list);
    });
    if (!objects) return;
    await this.apply('static routes', () => objects.add('route', routing.routes));
    await this.apply('static rules', () => objects.add('rule', routing.rules));
  }

  /** Takes away what `before` held and `after` (if any) does not. */
  private async take(before: Config, after?: Config): Promise<void> {
    const { objects, vips } = this.deps;
    const gone = minusRouting(staticRouting(before), after ? staticRouting(after) : { routes: [], rules: [] });
    if (objects) {
      await this.apply('static rules', () => objects.remove('rule', gone.rules));
      await this.apply('static routes', () => objects.remove('route', gone.routes));
    }
    const kept = new Set(after?.static_addresses ?? []);
    const removed = { ...before, static_addresses: before.static_addresses.filter((a) => !kept.has(a)) };
    await this.apply('static addresses', async () => {
      for (const { iface, vips: list } of staticAddressPlaces(removed)) await vips.remove(iface, list);
    });
  }

  /** A failure is logged with what it was about; the director runs on (as Keepalived does). */
  private async apply(what: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message }, `${what}: ${(err as Error).message}`);
    }
  }
}

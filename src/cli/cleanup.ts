import { readFile } from 'node:fs/promises';
import { announceAddresses } from '../cluster/announce.js';
import { parseConfig } from '../config/parse.js';
import type { Config } from '../config/schema.js';
import { BirdAnnouncer } from '../net/bird.js';
import { parseVip, staticAddressPlaces } from '../config/vip.js';
import type { Vip } from '../config/vip.js';
import { instanceRouting, staticRouting } from '../daemon/routing.js';
import type { Routing } from '../daemon/routing.js';
import { StateDir } from '../daemon/state-dir.js';
import { IpCommandObjects } from '../net/ip-objects.js';
import { IpVipManager } from '../net/vips.js';
import { IpVirtualMacs, vipPlaces, virtualMacSpec } from '../net/vmac.js';

/**
 * After a crash (systemd's ExecStopPost): removes the VIPs a dead daemon left on the
 * interfaces, those of the config and those its ledger recorded, so the peer that took over is
 * the only one holding them. Refuses while a live daemon holds the state dir.
 */
export async function cleanupCommand(configFile: string, stateDir: string): Promise<number> {
  const state = new StateDir(stateDir);
  const pid = await state.runningPid();
  if (pid !== undefined) {
    console.error(`tandem cleanup: tandem runs with pid ${pid} on ${stateDir}; stop it first (it releases its VIPs itself)`);
    return 1;
  }
  const byIface = new Map<string, Vip[]>();
  const add = (iface: string, text: string) => {
    const vip = parseVip(text);
    if (vip) byIface.set(iface, [...(byIface.get(iface) ?? []), vip]);
  };
  for (const [iface, vips] of Object.entries(await state.readLedger())) for (const v of vips) add(iface, v);
  const vmacs: string[] = [];
  const routing: Routing[] = [];
  let bird: NonNullable<Config['announce']>['bird'] | undefined;
  try {
    const { config } = parseConfig(await readFile(configFile, 'utf8'), configFile);
    bird = config.announce?.bird;
    // Cluster mode: the dead daemon's routes are withdrawn first, then its addresses go.
    if (config.announce) for (const a of announceAddresses(config)) add(config.announce.interface, a);
    routing.push(staticRouting(config), ...config.instances.map(instanceRouting));
    for (const { iface, vips } of staticAddressPlaces(config)) for (const v of vips) add(iface, `${v.address}/${v.prefix}`);
    for (const inst of config.instances) {
      for (const { iface, vips } of vipPlaces(inst)) for (const v of vips) add(iface, `${v.address}/${v.prefix}`);
      const spec = virtualMacSpec(inst);
      if (spec) vmacs.push(spec.name);
    }
  } catch (err) {
    console.error(`tandem cleanup: ${configFile} unusable (${(err as Error).message.split('\n')[0]}); using the ledger alone`);
  }
  if (bird) {
    await new BirdAnnouncer(bird).announce([]).then(
      () => console.log(`withdrew every route through BIRD (${bird.file})`),
      (err: Error) => console.error(`tandem cleanup: cannot withdraw the routes: ${err.message}`),
    );
  }
  // The masters' routes and rules, and the static ones: rules first (they may send traffic to
  // the routes' tables). One not there is no error.
  const rules = routing.flatMap((r) => r.rules);
  const routes = routing.flatMap((r) => r.routes);
  if (rules.length || routes.length) {
    const objects = new IpCommandObjects();
    await objects.remove('rule', rules).then(() => objects.remove('route', routes)).then(
      () => console.log(`took away the config's routes and rules where present (${routes.length} route(s), ${rules.length} rule(s))`),
      (err: Error) => console.error(`tandem cleanup: cannot take away the routes and rules: ${err.message}`),
    );
  }
  const manager = new IpVipManager();
  let removed = 0;
  try {
    for (const [iface, vips] of byIface) {
      const present = await manager.list(iface).catch(() => []);
      const stale = present.filter((p) => vips.some((v) => v.address === p.address));
      if (!stale.length) continue;
      await manager.remove(iface, stale);
      removed += stale.length;
      console.log(`removed from ${iface}: ${stale.map((v) => `${v.address}/${v.prefix}`).join(', ')}`);
    }
  } finally {
    manager.close();
  }
  if (!removed) console.log('no VIP left behind');
  // The dead daemon's virtual MAC interfaces go too (a new daemon makes them anew). The parent's
  // ARP settings it changed stay: what they were before died with it.
  const virtualMacs = new IpVirtualMacs();
  for (const name of vmacs) {
    const removedMac = await virtualMacs.remove(name).catch((err: Error) => {
      console.error(`tandem cleanup: cannot remove ${name}: ${err.message}`);
      return false;
    });
    if (removedMac) console.log(`removed the virtual MAC interface ${name}`);
  }
  return 0;
}

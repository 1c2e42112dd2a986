import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, waitFor } from '../support/netns.js';
import { TANDEM, TandemNodes, VIP, pairConfig } from '../support/pair.js';

/*
 * Routes and rules (Keepalived's virtual_routes / virtual_rules, static_routes / static_rules /
 * static_ipaddress): the master holds its instance's routes and rules with its VIPs, both
 * directors hold the static ones from start to stop, a reload changes just what changed, and
 * cleanup takes away what a killed daemon left.
 */
describe('routes, rules and static addresses', () => {
  let lab: Lab;
  let nodes: TandemNodes;
  const routes = ['198.18.0.0/24 via 192.0.2.254', 'blackhole 198.18.1.0/24 table 100'];
  const config = (host: 'dir1' | 'dir2', priority: number, instanceRoutes = routes) =>
    pairConfig({
      priority,
      instance: { routes: instanceRoutes, rules: [`from ${VIP} table 100 priority 1000`] },
      extra: {
        // A route through two gateways (Keepalived's `or`), and an address with its own scope and broadcast.
        static_routes: ['198.18.9.0/24 via 192.0.2.253', '198.18.3.0/24 nexthop via 192.0.2.251 nexthop via 192.0.2.252 weight 2'],
        static_rules: ['fwmark 9 table 109 priority 1009'],
        static_addresses: [`10.99.0.${host === 'dir1' ? 1 : 2}/24 dev eth0 scope link brd +`],
      },
    });
  const show = async (host: string) => ({
    main: (await lab.exec(host, ['ip', 'route', 'show'])).trim().split('\n').filter((l) => l.startsWith('198.18.') && !l.startsWith('198.18.3.')).map((l) => l.trim()).sort(),
    multipath: (JSON.parse((await lab.exec(host, ['ip', '-j', 'route', 'show', '198.18.3.0/24'])) || '[]') as { nexthops?: { gateway: string; weight: number }[] }[]).map((r) =>
      (r.nexthops ?? []).map((n) => `${n.gateway} ${n.weight}`).join(', '),
    ),
    // A table that never had a route does not exist: `ip` says so and fails.
    t100: (await lab.exec(host, ['ip', 'route', 'show', 'table', '100']).catch(() => '')).trim().split('\n').filter(Boolean).map((l) => l.trim()),
    rules: (await lab.exec(host, ['ip', 'rule', 'show'])).trim().split('\n').filter((l) => /^10(00|09):/.test(l)).map((l) => l.replace(/\s+/g, ' ').trim()),
    statics: (JSON.parse(await lab.exec(host, ['ip', '-j', 'addr', 'show', 'dev', 'eth0'])) as { addr_info: { local: string; prefixlen: number; scope: string; broadcast?: string }[] }[])
      .flatMap((l) => l.addr_info)
      .filter((a) => a.local.startsWith('10.99.'))
      .map((a) => `${a.local}/${a.prefixlen} scope ${a.scope} brd ${a.broadcast}`),
  });
  const MASTER_ROUTES = ['198.18.0.0/24 via 192.0.2.254 dev eth0', '198.18.9.0/24 via 192.0.2.253 dev eth0'];
  const BACKUP_ROUTES = ['198.18.9.0/24 via 192.0.2.253 dev eth0'];
  const MASTER_RULES = [`1000: from ${VIP} lookup 100`, '1009: from all fwmark 0x9 lookup 109'];
  const BACKUP_RULES = ['1009: from all fwmark 0x9 lookup 109'];
  const MULTIPATH = '192.0.2.251 1, 192.0.2.252 2';

  beforeAll(async () => {
    lab = await Lab.create([
      { name: 'dir1', address: '192.0.2.1/24' },
      { name: 'dir2', address: '192.0.2.2/24' },
    ]);
    nodes = await TandemNodes.create(lab);
    await nodes.start('dir1', config('dir1', 150));
    await nodes.start('dir2', config('dir2', 100));
    await nodes.waitState('dir1', 'MASTER');
    await nodes.waitFollowing('dir2', '192.0.2.1');
  });

  afterAll(async () => {
    await lab?.destroy();
    await nodes?.cleanup();
  });

  it("the master holds its instance's routes and rules; both hold the static ones", async () => {
    await waitFor("dir1's routes", async () => (await show('dir1')).main.length === 2, 5000);
    expect(await show('dir1')).toEqual({ main: MASTER_ROUTES, multipath: [MULTIPATH], t100: ['blackhole 198.18.1.0/24'], rules: MASTER_RULES, statics: ['10.99.0.1/24 scope link brd 10.99.0.255'] });
    expect(await show('dir2')).toEqual({ main: BACKUP_ROUTES, multipath: [MULTIPATH], t100: [], rules: BACKUP_RULES, statics: ['10.99.0.2/24 scope link brd 10.99.0.255'] });
  });

  it('they move with the VIPs at a failover; a stopped director keeps none', async () => {
    expect(await nodes.kill('dir1', 'SIGTERM')).toBe(0);
    await nodes.waitState('dir2', 'MASTER', 5000);
    await waitFor("dir2's routes", async () => (await show('dir2')).rules.length === 2, 5000);
    expect(await show('dir2')).toEqual({ main: MASTER_ROUTES, multipath: [MULTIPATH], t100: ['blackhole 198.18.1.0/24'], rules: MASTER_RULES, statics: ['10.99.0.2/24 scope link brd 10.99.0.255'] });
    expect(await show('dir1')).toEqual({ main: [], multipath: [], t100: [], rules: [], statics: [] });
  });

  it("a reload changes the master's routes: the one gone is taken away, the new one put in place", async () => {
    await writeFile(nodes.configFile('dir2'), stringify(config('dir2', 100, ['198.18.0.0/24 via 192.0.2.254', '198.18.2.0/24 via 192.0.2.252'])));
    await waitFor('the reload', async () => (await nodes.status('dir2')).reload.last?.ok === true, 30_000).catch(async (e) => {
      throw new Error(`${e}: ${JSON.stringify((await nodes.status('dir2')).reload)}`);
    });
    await waitFor("dir2's new routes", async () => (await show('dir2')).main.length === 3, 5000);
    const now = await show('dir2');
    expect(now.main).toEqual(['198.18.0.0/24 via 192.0.2.254 dev eth0', '198.18.2.0/24 via 192.0.2.252 dev eth0', '198.18.9.0/24 via 192.0.2.253 dev eth0']);
    expect(now.t100).toEqual([]);
  });

  it('left by a killed daemon, go with `tandem cleanup`', async () => {
    await nodes.kill('dir2', 'SIGKILL');
    const out = await lab.exec('dir2', [process.execPath, TANDEM, 'cleanup', '--config', nodes.configFile('dir2'), '--state-dir', nodes.stateDir('dir2')]);
    expect(out).toContain("took away the config's routes and rules where present (4 route(s), 2 rule(s))");
    expect(await show('dir2')).toEqual({ main: [], multipath: [], t100: [], rules: [], statics: [] });
  });
});

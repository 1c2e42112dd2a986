import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, waitFor } from '../support/netns.js';
import { TandemNodes, VIP, pairConfig } from '../support/pair.js';

/*
 * Adverts over IPv6: each director's instance advertises from an IPv6 address of its own
 * (source_address), so the adverts travel in UDP over IPv6 to the group ff02::12. The VIP is
 * IPv4 (a VIP's family is its own affair).
 */
describe('adverts over IPv6', () => {
  let lab: Lab;
  let nodes: TandemNodes;
  const V6 = { dir1: '2001:db8:5::1', dir2: '2001:db8:5::2' } as const;
  const config = (host: keyof typeof V6, priority: number) => pairConfig({ priority, instance: { source_address: V6[host] } });

  beforeAll(async () => {
    lab = await Lab.create([
      { name: 'dir1', address: '192.0.2.1/24' },
      { name: 'dir2', address: '192.0.2.2/24' },
    ]);
    // nodad: usable at once (no duplicate address detection wait).
    for (const host of ['dir1', 'dir2'] as const) await lab.exec(host, ['ip', '-6', 'addr', 'add', `${V6[host]}/64`, 'dev', 'eth0', 'nodad']);
    nodes = await TandemNodes.create(lab);
    await nodes.startPair(config('dir1', 150), config('dir2', 100));
  });

  afterAll(async () => {
    await lab?.destroy();
    await nodes?.cleanup();
  });

  it('elects over IPv6, and the backup takes over when the master leaves', async () => {
    await waitFor('dir2 to follow dir1 over IPv6', async () => (await nodes.instance('dir2')).master === V6.dir1, 30_000);
    expect(await nodes.instance('dir1')).toMatchObject({ state: 'MASTER', address: V6.dir1 });
    expect((await nodes.instance('dir1')).peers.map((p) => p.address)).toEqual([V6.dir2]);
    expect((await nodes.status('dir2')).adverts.rejected).toEqual({});
    expect(await nodes.kill('dir1', 'SIGTERM')).toBe(0);
    await nodes.waitState('dir2', 'MASTER');
    await waitFor('the VIP on dir2', async () => (await lab.addresses('dir2')).includes(`${VIP}/24`), 30_000);
  });
});

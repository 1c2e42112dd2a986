import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, waitFor } from '../support/netns.js';
import { TandemNodes, VIP, pairConfig } from '../support/pair.js';

/*
 * A reload that moves the master's instance to another interface (eth1, on the same segment,
 * with an address of its own). Before the transport could open senders and join the group at
 * run time, the moved instance kept MASTER with no socket to advertise from: the peer took
 * over and both held the VIP. Now the pair ends with one master, heard from its new address.
 */
describe('a reload that moves an instance to another interface', () => {
  let lab: Lab;
  let nodes: TandemNodes;
  const VIP24 = `${VIP}/24`;
  /** Where the VIP is: host and interface. */
  const holders = async () => {
    const places = [['dir1', 'eth0'], ['dir1', 'eth1'], ['dir2', 'eth0']] as const;
    const held = await Promise.all(places.map(async ([h, dev]) => (await lab.addresses(h, dev)).includes(VIP24)));
    return places.filter((_, i) => held[i]).map(([h, dev]) => `${h} ${dev}`);
  };

  beforeAll(async () => {
    lab = await Lab.create([
      { name: 'dir1', address: '192.0.2.1/24', links: [{ dev: 'eth1', bridge: 'br0', address: '192.0.2.11/24' }] },
      { name: 'dir2', address: '192.0.2.2/24' },
    ]);
    nodes = await TandemNodes.create(lab);
    await nodes.startPair(pairConfig({ priority: 150 }), pairConfig({ priority: 100 }));
  });

  afterAll(async () => {
    await lab?.destroy();
    await nodes?.cleanup();
  });

  it('keeps one master, which advertises from its new address: no handover at all', async () => {
    const transitions = [(await nodes.instance('dir1')).transitions, (await nodes.instance('dir2')).transitions];
    await writeFile(nodes.configFile('dir1'), stringify(pairConfig({ priority: 150, instance: { interface: 'eth1' } })));
    await waitFor('the reload', async () => (await nodes.status('dir1')).reload.last?.ok === true, 30_000);
    expect((await nodes.status('dir1')).reload.last?.summary).toEqual(['instance VI_1 moved: interface eth0 -> eth1']);
    // The peer follows the master at its new address; neither changed state.
    await waitFor('dir2 to follow the master at 192.0.2.11', async () => {
      const i = await nodes.instance('dir2');
      return i.state === 'BACKUP' && i.master === '192.0.2.11';
    }, 30_000);
    const dir1 = await nodes.instance('dir1');
    expect(dir1).toMatchObject({ state: 'MASTER', interface: 'eth1', address: '192.0.2.11' });
    await waitFor('the VIP on dir1 eth1 alone', async () => (await holders()).join() === 'dir1 eth1', 30_000);
    // Adverts keep leaving: the count grows while the peer stays BACKUP, and no error is logged.
    const sent = dir1.advertsSent;
    await waitFor('more adverts', async () => (await nodes.instance('dir1')).advertsSent > sent + 10, 30_000);
    expect((await nodes.instance('dir2')).state).toBe('BACKUP');
    expect(nodes.daemons.get('dir1')?.output()).not.toContain('no socket for source');
    expect([(await nodes.instance('dir1')).transitions, (await nodes.instance('dir2')).transitions]).toEqual(transitions);
  });

  it('refuses a move to an interface without an address of its own, and changes nothing', async () => {
    await writeFile(nodes.configFile('dir1'), stringify(pairConfig({ priority: 150, instance: { interface: 'eth1', source_address: '192.0.2.99' } })));
    await waitFor('the refusal', async () => (await nodes.status('dir1')).reload.last?.ok === false, 30_000);
    const status = await nodes.status('dir1');
    expect(status.reload.last?.error).toMatch(/cannot send from 192\.0\.2\.99/);
    expect(status.instances[0]).toMatchObject({ state: 'MASTER', address: '192.0.2.11' });
    expect((await nodes.instance('dir2')).state).toBe('BACKUP');
    expect(await holders()).toEqual(['dir1 eth1']);
  });
});

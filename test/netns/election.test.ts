import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../support/netns.js';
import { PingProbe, TandemNodes, VIP, pairConfig } from '../support/pair.js';

describe('a tandem pair in namespaces', () => {
  let lab: Lab;
  let nodes: TandemNodes;

  beforeAll(async () => {
    lab = await Lab.create([
      { name: 'dir1', address: '192.0.2.1/24' },
      { name: 'dir2', address: '192.0.2.2/24' },
      { name: 'client', address: '192.0.2.50/24' },
    ]);
    nodes = await TandemNodes.create(lab);
  });

  afterAll(async () => {
    await lab?.destroy();
    await nodes?.cleanup();
  });

  it('elects the higher priority as master; the VIP is on it alone and answers', async () => {
    await nodes.start('dir1', pairConfig({ priority: 150 }));
    await nodes.start('dir2', pairConfig({ priority: 100 }));
    const master = await nodes.waitState('dir1', 'MASTER');
    const backup = await nodes.waitState('dir2', 'BACKUP');
    expect(backup.master).toBe('192.0.2.1');
    expect(master.peers.map((p) => p.address)).toEqual(['192.0.2.2']);
    expect(await lab.addresses('dir1')).toContain(`${VIP}/24`);
    expect(await lab.addresses('dir2')).not.toContain(`${VIP}/24`);
    const probe = PingProbe.start(lab, 'client', VIP, 5);
    await new Promise((r) => setTimeout(r, 500));
    const { replies } = await probe.stop();
    expect(replies).toBeGreaterThan(10);
  });
});

describe('a tandem pair over unicast', () => {
  let lab: Lab;
  let nodes: TandemNodes;

  beforeAll(async () => {
    lab = await Lab.create([
      { name: 'dir1', address: '192.0.2.1/24' },
      { name: 'dir2', address: '192.0.2.2/24' },
    ]);
    nodes = await TandemNodes.create(lab);
  });

  afterAll(async () => {
    await lab?.destroy();
    await nodes?.cleanup();
  });

  it('elects and hands over with adverts sent to the peer only', async () => {
    const unicast = (self: string, peer: string, priority: number) =>
      pairConfig({ priority, instance: { source_address: self, unicast_peers: [peer] }, extra: { transport: { port: 5799, multicast_group: '224.0.0.18' } } });
    await nodes.start('dir1', unicast('192.0.2.1', '192.0.2.2', 150));
    await nodes.start('dir2', unicast('192.0.2.2', '192.0.2.1', 100));
    await nodes.waitState('dir1', 'MASTER');
    expect((await nodes.waitState('dir2', 'BACKUP')).master).toBe('192.0.2.1');
    await nodes.kill('dir1', 'SIGTERM');
    await nodes.waitState('dir2', 'MASTER', 3000);
    expect(await lab.addresses('dir2')).toContain(`${VIP}/24`);
  });
});

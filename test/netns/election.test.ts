import { describe, expect, it } from 'vitest';
import { withDirectorLab } from '../support/director-lab.js';
import { PingProbe, VIP, pairConfig } from '../support/pair.js';

describe('a tandem pair in namespaces', () => {
  const ctx = withDirectorLab([{ name: 'client', address: '192.0.2.50/24' }]);

  it('elects the higher priority as master; the VIP is on it alone and answers', async () => {
    const { lab, nodes } = ctx;
    await nodes.start('dir1', pairConfig({ priority: 150 }));
    await nodes.start('dir2', pairConfig({ priority: 100 }));
    await nodes.waitState('dir1', 'MASTER');
    await nodes.waitFollowing('dir2', '192.0.2.1');
    expect((await nodes.instance('dir1')).peers.map((p) => p.address)).toEqual(['192.0.2.2']);
    expect(await lab.addresses('dir1')).toContain(`${VIP}/24`);
    expect(await lab.addresses('dir2')).not.toContain(`${VIP}/24`);
    const probe = PingProbe.start(lab, 'client', VIP, 5);
    await new Promise((r) => setTimeout(r, 500));
    const { replies } = await probe.stop();
    expect(replies).toBeGreaterThan(10);
  });
});

describe('a tandem pair over unicast', () => {
  const ctx = withDirectorLab();

  it('elects and hands over with adverts sent to the peer only', async () => {
    const { lab, nodes } = ctx;
    const unicast = (self: string, peer: string, priority: number) =>
      pairConfig({ priority, instance: { source_address: self, unicast_peers: [peer] }, extra: { transport: { port: 5799, multicast_group: '224.0.0.18' } } });
    await nodes.start('dir1', unicast('192.0.2.1', '192.0.2.2', 150));
    await nodes.start('dir2', unicast('192.0.2.2', '192.0.2.1', 100));
    await nodes.waitState('dir1', 'MASTER');
    await nodes.waitFollowing('dir2', '192.0.2.1');
    await nodes.kill('dir1', 'SIGTERM');
    await nodes.waitState('dir2', 'MASTER', 3000);
    expect(await lab.addresses('dir2')).toContain(`${VIP}/24`);
  });
});

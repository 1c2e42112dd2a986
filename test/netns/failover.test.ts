import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Lab, waitFor } from '../support/netns.js';
import { PingProbe, ROOT, TandemNodes, VIP, pairConfig } from '../support/pair.js';

const VIP24 = `${VIP}/24`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('failover of a tandem pair', () => {
  let lab: Lab;
  let nodes: TandemNodes;

  beforeEach(async () => {
    lab = await Lab.create([
      { name: 'dir1', address: '192.0.2.1/24' },
      { name: 'dir2', address: '192.0.2.2/24' },
      { name: 'client', address: '192.0.2.50/24' },
      { name: 'rogue', address: '192.0.2.66/24' },
    ]);
    nodes = await TandemNodes.create(lab);
    await nodes.start('dir1', pairConfig({ priority: 150 }));
    await nodes.start('dir2', pairConfig({ priority: 100 }));
    await nodes.waitState('dir1', 'MASTER');
    // Settled: dir2 has heard dir1. Both start at once, and on a cold start dir2 may take the
    // VIPs for a moment before dir1's first advert reaches it; a test that counts transitions
    // or adverts from here must not count that.
    await nodes.waitFollowing('dir2', '192.0.2.1');
  });

  afterEach(async () => {
    await lab?.destroy();
    await nodes?.cleanup();
  });

  it('moves the VIP when the master loses its link, and preempts back when it returns', async () => {
    const probe = PingProbe.start(lab, 'client', VIP, 30);
    await sleep(300);
    await lab.cutLink('dir1');
    const fault = await nodes.waitState('dir1', 'FAULT', 5000);
    expect(fault.faults).toEqual(['eth0 no carrier']);
    await nodes.waitState('dir2', 'MASTER', 5000);
    await waitFor('VIP to leave dir1', async () => !(await lab.addresses('dir1')).includes(VIP24), 5000);
    expect(await lab.addresses('dir2')).toContain(VIP24);
    await sleep(300);
    await lab.healLink('dir1');
    await nodes.waitState('dir1', 'MASTER', 5000);
    await nodes.waitState('dir2', 'BACKUP', 5000);
    await sleep(300);
    const repliesBeforeHeal = probe.replies().length;
    await waitFor('the VIP to answer after the preemption', () => Promise.resolve(probe.replies().length > repliesBeforeHeal + 5), 10_000);
    await probe.stop();
    // How long the VIP was away is scripts/bench failover's measure, not a test's.
  });

  it('hands over at once on SIGTERM: priority 0, VIP removed, exit 0', async () => {
    const probe = PingProbe.start(lab, 'client', VIP, 30);
    await sleep(300);
    expect(await nodes.kill('dir1', 'SIGTERM')).toBe(0);
    const master = await nodes.waitState('dir2', 'MASTER', 3000);
    expect(master.master).toBe('192.0.2.2');
    expect(await lab.addresses('dir1')).not.toContain(VIP24);
    const repliesAtTakeover = probe.replies().length;
    await waitFor('the VIP to answer from dir2', () => Promise.resolve(probe.replies().length > repliesAtTakeover + 5), 10_000);
    await probe.stop();
  });

  it('survives SIGKILL of the master; the restarted node cleans up and does not steal the VIP without preempt', async () => {
    await nodes.kill('dir1', 'SIGKILL');
    await nodes.waitState('dir2', 'MASTER', 5000);
    // A killed daemon cannot remove its VIP: it is still on dir1's interface.
    expect(await lab.addresses('dir1')).toContain(VIP24);
    await nodes.start('dir1', pairConfig({ priority: 150, preempt: false }));
    expect(await lab.addresses('dir1')).not.toContain(VIP24);
    await sleep(1500);
    expect((await nodes.instance('dir1')).state).toBe('BACKUP');
    expect((await nodes.instance('dir2')).state).toBe('MASTER');
    expect(nodes.daemons.get('dir1')?.output()).toContain('removed VIPs left by an earlier run');

    // With preempt, the higher priority takes the VIP back.
    await nodes.kill('dir1', 'SIGTERM');
    await nodes.start('dir1', pairConfig({ priority: 150, preempt: true }));
    await nodes.waitState('dir1', 'MASTER', 5000);
    await nodes.waitState('dir2', 'BACKUP', 5000);
    expect(await lab.addresses('dir2')).not.toContain(VIP24);
  });

  it('refuses forged adverts: no key, wrong key', async () => {
    const rogue = path.join(ROOT, 'test/support/rogue.mjs');
    const before = { dir1: (await nodes.instance('dir1')).transitions, dir2: (await nodes.instance('dir2')).transitions };
    await lab.exec('rogue', [process.execPath, rogue, 'forge', 'none', '50']);
    await lab.exec('rogue', [process.execPath, rogue, 'forge', 'not-the-right-key-at-all', '50']);
    for (const host of ['dir1', 'dir2'] as const) {
      const s = await nodes.status(host);
      expect(s.adverts.rejected['auth-type']).toBeGreaterThanOrEqual(45);
      expect(s.adverts.rejected.hmac).toBeGreaterThanOrEqual(45);
      expect(s.instances[0]?.transitions).toBe(before[host]);
    }
    expect((await nodes.instance('dir1')).state).toBe('MASTER');
    expect((await nodes.instance('dir2')).master).toBe('192.0.2.1');
    // Visible to a person: one warning per reason and sender at once (more once a minute).
    for (const host of ['dir1', 'dir2']) {
      const warned = (nodes.daemons.get(host)?.output() ?? '')
        .split('\n')
        .filter((l) => l.includes('"level":40') && l.includes('from 192.0.2.66 rejected'))
        .map((l) => (JSON.parse(l) as { reason: string }).reason);
      expect(warned.sort()).toEqual(['auth-type', 'hmac']);
    }
  });

  it('refuses replayed adverts: a dead master cannot be kept alive by its old packets', async () => {
    const rogue = path.join(ROOT, 'test/support/rogue.mjs');
    const replayer = lab.spawn('rogue', [process.execPath, rogue, 'replay', '1000', '200', '3000']);
    await sleep(1100);
    await nodes.kill('dir1', 'SIGKILL');
    await nodes.waitState('dir2', 'MASTER', 3000);
    await replayer.process;
    expect(replayer.output()).toMatch(/replayed [1-9]/);
    const s = await nodes.status('dir2');
    expect(s.adverts.rejected.replay).toBeGreaterThan(10);
    expect(s.instances[0]?.state).toBe('MASTER');
  });

  it('refuses replayed adverts after the receiver restarts too: its replay guard is saved', async () => {
    const rogue = path.join(ROOT, 'test/support/rogue.mjs');
    const replayer = lab.spawn('rogue', [process.execPath, rogue, 'replay', '1000', '6000', '3000']);
    await sleep(1100);
    await nodes.kill('dir1', 'SIGKILL');
    await nodes.waitState('dir2', 'MASTER', 3000);
    expect(await nodes.kill('dir2', 'SIGTERM')).toBe(0);
    await nodes.start('dir2', pairConfig({ priority: 100 }));
    await nodes.waitState('dir2', 'MASTER', 5000);
    const booted = (await nodes.instance('dir2')).transitions;
    await replayer.process;
    expect(replayer.output()).toMatch(/replayed [1-9]/);
    const s = await nodes.status('dir2');
    expect(s.adverts.rejected.replay).toBeGreaterThan(10);
    expect(s.instances[0]).toMatchObject({ state: 'MASTER', transitions: booted });
  });

  it('step-down hands the VIP to the peer and holds it there', async () => {
    await lab.exec('dir1', [process.execPath, path.join(ROOT, 'bin/tandem.js'), 'step-down', '--state-dir', nodes.stateDir('dir1')]);
    await nodes.waitState('dir2', 'MASTER', 2000);
    await nodes.waitState('dir1', 'BACKUP', 2000);
    await sleep(1000);
    expect((await nodes.instance('dir1')).state).toBe('BACKUP');
    expect(await lab.addresses('dir1')).not.toContain(VIP24);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, ip, waitFor } from '../support/netns.js';
import { TandemNodes, VIP, pairConfig } from '../support/pair.js';

/*
 * The host changes under a running pair, as it does in production: someone deletes a VIP by
 * hand, a network manager restarts and flushes the interface. The master must end up holding
 * its VIPs in the kernel again, with one holder, a status that says what the kernel has, and a
 * log line saying what was repaired.
 */
describe('the host changed under the pair', () => {
  let lab: Lab;
  let nodes: TandemNodes;
  /** The hosts whose eth0 has the VIP now, in the kernel. */
  const holders = async () => {
    const out: string[] = [];
    for (const host of ['dir1', 'dir2']) if ((await lab.addresses(host)).includes(`${VIP}/24`)) out.push(host);
    return out;
  };
  /** Transitions a daemon logged, in order ("FROM -> TO"). */
  const transitions = (host: string) => [...(nodes.daemons.get(host)?.output() ?? '').matchAll(/"from":"(\w+)","to":"(\w+)"/g)].map((m) => `${m[1]} -> ${m[2]}`);

  beforeAll(async () => {
    lab = await Lab.create([
      { name: 'dir1', address: '192.0.2.1/24' },
      { name: 'dir2', address: '192.0.2.2/24' },
    ]);
    nodes = await TandemNodes.create(lab);
    await nodes.startPair(pairConfig({ priority: 150 }), pairConfig({ priority: 100 }));
    await waitFor('the VIP on dir1 alone', async () => JSON.stringify(await holders()) === '["dir1"]', 5000);
  });

  afterAll(async () => {
    await lab?.destroy();
    await nodes?.cleanup();
  });

  it('puts back a VIP deleted on the master, says so in its log, and counts the repair', async () => {
    const before = (await nodes.instance('dir1')).vipRepairs;
    await ip(['-n', lab.ns('dir1'), 'addr', 'del', `${VIP}/24`, 'dev', 'eth0']);
    await waitFor('the VIP back on dir1', async () => (await holders()).includes('dir1'), 5000, 10);
    expect(await holders()).toEqual(['dir1']);
    const status = await nodes.instance('dir1');
    expect(status.state).toBe('MASTER');
    expect(status.vipsMissing).toEqual([]);
    expect(status.vipRepairs).toBe(before + 1);
    const repair = (nodes.daemons.get('dir1')?.output() ?? '').split('\n').find((l) => l.includes('VIPs gone from the kernel'));
    expect(repair).toContain(`VIPs gone from the kernel, removed outside tandem: ${VIP} on eth0; adding them back`);
    // Noticed by the kernel's event, not by the periodic look.
    expect(repair).toContain('"noticedBy":"rtnetlink"');
    expect((await nodes.instance('dir2')).state).toBe('BACKUP');
  });

  it('faults a master whose interface was flushed, and ends with one holder once its address is back', async () => {
    const from = transitions('dir1').length;
    await ip(['-n', lab.ns('dir1'), 'addr', 'flush', 'dev', 'eth0']);
    // Without its source address it cannot advertise: FAULT, and the backup takes over.
    await nodes.waitState('dir1', 'FAULT', 5000);
    expect((await nodes.instance('dir1')).faults).toEqual(['source address 192.0.2.1 gone from eth0']);
    await nodes.waitState('dir2', 'MASTER', 5000);
    await waitFor('the VIP on dir2 alone', async () => JSON.stringify(await holders()) === '["dir2"]', 5000, 10);
    // The network manager puts the director's own address back (not the VIP).
    await ip(['-n', lab.ns('dir1'), 'addr', 'add', '192.0.2.1/24', 'dev', 'eth0']);
    await nodes.waitState('dir1', 'MASTER', 5000);
    await nodes.waitFollowing('dir2', '192.0.2.1', 5000);
    await waitFor('the VIP on dir1 alone', async () => JSON.stringify(await holders()) === '["dir1"]', 5000, 10);
    expect(transitions('dir1').slice(from)).toEqual(['MASTER -> FAULT', 'FAULT -> BACKUP', 'BACKUP -> MASTER']);
    expect((await nodes.instance('dir1')).vipsMissing).toEqual([]);
  });
});

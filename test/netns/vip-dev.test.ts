import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, ip, waitFor } from '../support/netns.js';
import { TANDEM, TandemNodes, VIP, pairConfig } from '../support/pair.js';

/*
 * A VIP on another interface than the instance's (`ADDRESS dev IF`, Keepalived's
 * virtual_ipaddress `dev`): the directors elect over eth0 (br0) and serve 203.0.113.10 on
 * eth1, a second segment (br1) where the client is. The master holds it on eth1, its
 * gratuitous ARP leaves from eth1, eth1 losing its link faults the instance (the peer takes
 * over), and cleanup finds it there after a crash.
 */
const PUBLIC_VIP = '203.0.113.10';

describe('a VIP on another interface', () => {
  let lab: Lab;
  let nodes: TandemNodes;
  const config = (priority: number) => pairConfig({ priority, instance: { vips: [`${VIP}/24`, `${PUBLIC_VIP}/24 dev eth1`] } });
  const macOf = async (host: string, dev: string) => (JSON.parse(await ip(['-n', lab.ns(host), '-j', 'link', 'show', 'dev', dev])) as { address: string }[])[0]?.address;
  /** Where each VIP is: `host dev ADDRESS/PREFIX`. */
  const holders = async () => {
    const places = [['dir1', 'eth0'], ['dir1', 'eth1'], ['dir2', 'eth0'], ['dir2', 'eth1']] as const;
    const out: string[] = [];
    for (const [host, dev] of places) for (const a of await lab.addresses(host, dev)) if (a.startsWith(VIP) || a.startsWith(PUBLIC_VIP)) out.push(`${host} ${dev} ${a}`);
    return out;
  };
  /** The client's ARP entry for the public VIP, after a ping that must be answered. */
  const clientMac = async () => {
    await lab.exec('client', ['ping', '-c', '1', '-W', '2', PUBLIC_VIP]);
    return (JSON.parse(await ip(['-n', lab.ns('client'), '-j', 'neigh', 'show', PUBLIC_VIP])) as { lladdr?: string }[])[0]?.lladdr;
  };

  beforeAll(async () => {
    lab = await Lab.create([
      { name: 'dir1', address: '192.0.2.1/24', links: [{ dev: 'eth1', bridge: 'br1', address: '203.0.113.1/24' }] },
      { name: 'dir2', address: '192.0.2.2/24', links: [{ dev: 'eth1', bridge: 'br1', address: '203.0.113.2/24' }] },
      { name: 'client', address: '203.0.113.50/24', bridge: 'br1' },
    ]);
    nodes = await TandemNodes.create(lab);
    await nodes.start('dir1', config(150));
    await nodes.start('dir2', config(100));
    await nodes.waitState('dir1', 'MASTER');
    await nodes.waitFollowing('dir2', '192.0.2.1');
  });

  afterAll(async () => {
    await lab?.destroy();
    await nodes?.cleanup();
  });

  it('is held on its own interface by the master, which answers the client there', async () => {
    await waitFor('both VIPs on dir1', async () => (await holders()).length === 2, 5000);
    expect(await holders()).toEqual([`dir1 eth0 ${VIP}/24`, `dir1 eth1 ${PUBLIC_VIP}/24`]);
    expect((await nodes.instance('dir1')).vips).toEqual([`${VIP}/24`, `${PUBLIC_VIP}/24 dev eth1`]);
    expect(await clientMac()).toBe(await macOf('dir1', 'eth1'));
  });

  it('moves at a failover, announced by gratuitous ARP on that interface', async () => {
    const dump = lab.spawn('client', ['tcpdump', '-l', '-n', '-e', '--immediate-mode', '-i', 'eth0', 'arp']);
    await waitFor('tcpdump to listen', async () => dump.output().includes('listening on'), 10_000, 20);
    const dir2Mac = (await macOf('dir2', 'eth1')) as string;
    expect(await nodes.kill('dir1', 'SIGTERM')).toBe(0);
    await nodes.waitState('dir2', 'MASTER', 5000);
    await waitFor('both VIPs on dir2', async () => (await holders()).join() === [`dir2 eth0 ${VIP}/24`, `dir2 eth1 ${PUBLIC_VIP}/24`].join(), 5000);
    // A gratuitous ARP from dir2's eth1 MAC: a request for the VIP from the VIP, or a reply.
    const garp = (l: string) => l.includes(`${dir2Mac} >`) && (/who-has (\S+) .*tell (\S+),/.exec(l)?.slice(1).join() === `${PUBLIC_VIP},${PUBLIC_VIP}` || l.includes(`Reply ${PUBLIC_VIP} is-at ${dir2Mac}`));
    await waitFor('dir2 to announce the public VIP on eth1', async () => dump.output().split('\n').some(garp), 5000, 50).catch((err: Error) => {
      throw new Error(`${err.message}; the client saw:\n${dump.output()}`);
    });
    dump.process.kill('SIGINT');
    expect(await clientMac()).toBe(dir2Mac);
    await nodes.start('dir1', config(150));
    await nodes.waitState('dir1', 'MASTER', 10_000);
    await waitFor('both VIPs back on dir1', async () => (await holders()).join() === [`dir1 eth0 ${VIP}/24`, `dir1 eth1 ${PUBLIC_VIP}/24`].join(), 5000);
  });

  it("faults the master when that interface loses its link, and takes the VIPs back when it returns", async () => {
    await lab.cutLink('dir1', 'eth1');
    const fault = await nodes.waitState('dir1', 'FAULT', 10_000);
    expect(fault.faults.join()).toMatch(/eth1/);
    await nodes.waitState('dir2', 'MASTER', 10_000);
    await waitFor('both VIPs on dir2', async () => (await holders()).join() === [`dir2 eth0 ${VIP}/24`, `dir2 eth1 ${PUBLIC_VIP}/24`].join(), 5000);
    await lab.healLink('dir1', 'eth1');
    await nodes.waitState('dir1', 'MASTER', 10_000);
    await waitFor('both VIPs back on dir1', async () => (await holders()).join() === [`dir1 eth0 ${VIP}/24`, `dir1 eth1 ${PUBLIC_VIP}/24`].join(), 5000);
  });

  it('left by a killed daemon, goes with `tandem cleanup` from both interfaces', async () => {
    await nodes.kill('dir1', 'SIGKILL');
    const out = await lab.exec('dir1', [process.execPath, TANDEM, 'cleanup', '--config', nodes.configFile('dir1'), '--state-dir', nodes.stateDir('dir1')]);
    expect(out.trim().split('\n').sort()).toEqual([`removed from eth0: ${VIP}/24`, `removed from eth1: ${PUBLIC_VIP}/24`]);
    expect((await holders()).filter((h) => h.startsWith('dir1'))).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, ip, waitFor } from '../support/netns.js';
import { TANDEM, TandemNodes, VIP, pairConfig } from '../support/pair.js';

/*
 * The VRRP virtual MAC (virtual_mac, Keepalived's use_vmac): both directors make a macvlan
 * vrrp.51 with MAC 00:00:5e:00:01:33 on eth0; the master holds the VIP there. A client's ARP
 * entry for the VIP is that MAC, before and after a failover: nothing it caches goes stale.
 */
const VMAC = '00:00:5e:00:01:33';

describe('a VRRP virtual MAC', () => {
  let lab: Lab;
  let nodes: TandemNodes;
  const config = (priority: number) => pairConfig({ priority, instance: { virtual_mac: true } });

  interface Link {
    ifname: string;
    address: string;
    operstate: string;
    link?: string;
    linkinfo?: { info_kind?: string; info_data?: { mode?: string } };
    addr_info?: { local: string; prefixlen: number; family: string }[];
  }
  const link = async (host: string, dev: string): Promise<Link | undefined> => {
    const out = await ip(['-n', lab.ns(host), '-d', '-j', 'addr', 'show', 'dev', dev]).catch(() => undefined);
    return out ? (JSON.parse(out) as Link[])[0] : undefined;
  };
  const sysctl = async (host: string, dev: string, key: string) => (await lab.exec(host, ['cat', `/proc/sys/net/ipv4/conf/${dev}/${key}`])).trim();
  /** The switch port where the bridge last saw a MAC as a source. */
  const switchPortOf = async (mac: string) => {
    const fdb = JSON.parse(await lab.exec('sw', ['bridge', '-j', 'fdb', 'show', 'br', 'br0'])) as { mac: string; ifname: string }[];
    return fdb.find((e) => e.mac === mac)?.ifname;
  };
  /** The client's ARP entry for the VIP, after a ping that must be answered (`fresh`: asked anew). */
  const clientMacForVip = async (fresh = false) => {
    if (fresh) await ip(['-n', lab.ns('client'), 'neigh', 'flush', 'dev', 'eth0']);
    await lab.exec('client', ['ping', '-c', '1', '-W', '2', VIP]);
    const [entry] = JSON.parse(await ip(['-n', lab.ns('client'), '-j', 'neigh', 'show', VIP])) as { lladdr?: string }[];
    return entry?.lladdr;
  };

  beforeAll(async () => {
    lab = await Lab.create([
      { name: 'dir1', address: '192.0.2.1/24' },
      { name: 'dir2', address: '192.0.2.2/24' },
      { name: 'client', address: '192.0.2.50/24' },
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

  it('is a private macvlan with the VRRP MAC on both directors, no IPv6 link-local, the VIP on the master only', async () => {
    for (const host of ['dir1', 'dir2']) {
      const vmac = await link(host, 'vrrp.51');
      expect(vmac).toMatchObject({ address: VMAC, link: 'eth0', linkinfo: { info_kind: 'macvlan', info_data: { mode: 'private' } } });
      expect(vmac?.addr_info?.filter((a) => a.family === 'inet6')).toEqual([]);
      // The parent answers ARP only for its own addresses and asks with its own address; the
      // macvlan answers only for the VIPs.
      const settings = [['eth0', 'arp_ignore'], ['eth0', 'arp_filter'], ['eth0', 'arp_announce'], ['vrrp.51', 'arp_ignore']];
      expect(await Promise.all(settings.map(([dev, key]) => sysctl(host, dev as string, key as string)))).toEqual(['1', '1', '2', '1']);
    }
    expect((await link('dir1', 'vrrp.51'))?.addr_info?.map((a) => `${a.local}/${a.prefixlen}`)).toEqual([`${VIP}/24`]);
    expect((await link('dir2', 'vrrp.51'))?.addr_info).toEqual([]);
    expect(await lab.addresses('dir1')).not.toContain(`${VIP}/24`);
    expect((await nodes.instance('dir1')).vipInterface).toBe('vrrp.51');
  });

  it('gives clients one MAC for the VIP across a failover, and is removed when the daemon stops', async () => {
    expect(await clientMacForVip()).toBe(VMAC);
    expect(await nodes.kill('dir1', 'SIGTERM')).toBe(0);
    await nodes.waitState('dir2', 'MASTER', 5000);
    // The stopped daemon took its macvlan away and gave the parent its ARP settings back.
    expect(await link('dir1', 'vrrp.51')).toBeUndefined();
    expect(await Promise.all(['arp_ignore', 'arp_filter', 'arp_announce'].map((key) => sysctl('dir1', 'eth0', key)))).toEqual(['0', '0', '0']);
    await waitFor('the VIP on dir2', async () => (await link('dir2', 'vrrp.51'))?.addr_info?.some((a) => a.local === VIP), 5000);
    // dir2's gratuitous ARP leaves from the virtual MAC: the switch moves the MAC to its port.
    await waitFor('the switch to learn the virtual MAC at dir2', () => switchPortOf(VMAC).then((port) => port === 'dir2'), 5000);
    // The same MAC answers, now from dir2's port: the client's cache needed no change; asked
    // anew, dir2 answers with the virtual MAC, not its own.
    expect(await clientMacForVip()).toBe(VMAC);
    expect(await clientMacForVip(true)).toBe(VMAC);
    await nodes.start('dir1', config(150));
    await nodes.waitState('dir1', 'MASTER', 10_000);
    await waitFor('the switch to learn the virtual MAC at dir1', () => switchPortOf(VMAC).then((port) => port === 'dir1'), 5000);
    expect(await clientMacForVip(true)).toBe(VMAC);
  });

  it('left by a killed daemon, goes with `tandem cleanup`, VIP and all', async () => {
    expect((await link('dir1', 'vrrp.51'))?.addr_info?.map((a) => a.local)).toEqual([VIP]);
    await nodes.kill('dir1', 'SIGKILL');
    const out = await lab.exec('dir1', [process.execPath, TANDEM, 'cleanup', '--config', nodes.configFile('dir1'), '--state-dir', nodes.stateDir('dir1')]);
    expect(out.split('\n')).toEqual([`removed from vrrp.51: ${VIP}/24`, 'removed the virtual MAC interface vrrp.51']);
    expect(await link('dir1', 'vrrp.51')).toBeUndefined();
  });
});

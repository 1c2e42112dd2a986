import { readFile, writeFile } from 'node:fs/promises';
import type { InstanceConfig } from '../config/schema.js';
import { instanceVips, vipsByInterface } from '../config/vip.js';
import type { InstanceVip } from '../config/vip.js';
import { run } from './exec.js';

/*
 * The VRRP virtual MAC (RFC 5798 7.3, Keepalived's use_vmac): a macvlan whose MAC is
 * 00:00:5e:00:01:VRID, created on the instance's interface by both directors and holding the
 * VIPs. A client's or a switch's ARP cache then keeps one MAC for the VIPs across a failover:
 * the new master's gratuitous ARP moves the MAC from port to port, the IP to MAC binding never
 * changes.
 *
 * Made as Keepalived makes it: macvlan mode private; no IPv6 link-local address (so a backup
 * never sends a frame from the shared MAC: no DAD, no MLD); on the macvlan arp_ignore=1
 * (answer only for its own addresses, the VIPs), accept_local=1, rp_filter=0; on the parent
 * arp_ignore=1 and arp_filter=1, so the parent never answers an ARP for a VIP with its own MAC.
 * Beyond Keepalived, the parent also gets arp_announce=2: its own ARP requests (for a client it
 * answers from a VIP) then say its own address, not the VIP, so a client never learns the VIP at
 * the parent's MAC from them (measured: without it, one ping from a client did just that).
 * The parent's settings come back when the last virtual MAC on it goes.
 */

export interface VirtualMacSpec {
  /** The macvlan's name. */
  name: string;
  /** The parent interface (the instance's). */
  parent: string;
  vrid: number;
}

/** The seam: what creates and removes virtual MAC interfaces (none in the simulator). */
export interface VirtualMacs {
  /** Creates the interface, or adopts one left by an earlier run; resolves once it is up. */
  ensure(spec: VirtualMacSpec): Promise<void>;
  /** Removes an interface (its addresses go with it); false when there was none. */
  remove(name: string): Promise<boolean>;
}

/** 00:00:5e:00:01:VRID, the IPv4 VRRP virtual MAC (pure). */
export function virtualMacAddress(vrid: number): string {
  return `00:00:5e:00:01:${vrid.toString(16).padStart(2, '0')}`;
}

/** The virtual MAC interface of an instance that has one (pure). */
export function virtualMacSpec(inst: Pick<InstanceConfig, 'virtual_mac' | 'virtual_mac_interface' | 'vrid' | 'interface'>): VirtualMacSpec | undefined {
  if (!inst.virtual_mac) return undefined;
  return { name: inst.virtual_mac_interface ?? `vrrp.${inst.vrid}`, parent: inst.interface, vrid: inst.vrid };
}

/** The interface an instance's VIPs go on: its virtual MAC's, or its own (pure). */
export function vipInterface(inst: Pick<InstanceConfig, 'virtual_mac' | 'virtual_mac_interface' | 'vrid' | 'interface'>): string {
  return virtualMacSpec(inst)?.name ?? inst.interface;
}

/** An instance's VIPs by the interface each goes on: `dev` if it names one, else vipInterface() (pure). */
export function vipPlaces(inst: Pick<InstanceConfig, 'virtual_mac' | 'virtual_mac_interface' | 'vrid' | 'interface' | 'vips'>): { iface: string; vips: InstanceVip[] }[] {
  return vipsByInterface(instanceVips(inst), vipInterface(inst), inst.interface);
}

/** What the parent of a virtual MAC is set to while it has one. */
const PARENT_SETTINGS = [
  ['arp_ignore', '1'],
  ['arp_filter', '1'],
  ['arp_announce', '2'],
] as const;

interface IpLink {
  ifname: string;
  address?: string;
  link?: string;
  linkinfo?: { info_kind?: string; info_data?: { mode?: string } };
}

/** `ip` and /proc/sys: the system's virtual MACs. */
export class IpVirtualMacs implements VirtualMacs {
  /** Per parent: its arp_ignore and arp_filter before the first virtual MAC on it. */
  private readonly saved = new Map<string, Record<(typeof PARENT_SETTINGS)[number][0], string>>();
  private readonly parents = new Map<string, string>();

  async ensure(spec: VirtualMacSpec): Promise<void> {
    const mac = virtualMacAddress(spec.vrid);
    const found = await this.link(spec.name);
    if (found && found.linkinfo?.info_kind !== 'macvlan') {
      throw new Error(`cannot make the virtual MAC interface ${spec.name}: an interface of that name exists and is not a macvlan; give virtual_mac_interface another name`);
    }
    const fits = found !== undefined && found.link === spec.parent && found.address?.toLowerCase() === mac;
    // A macvlan of an earlier run is adopted; one of another parent or VRID (a config change) is made anew.
    if (found && !fits) await run('ip', ['link', 'del', 'dev', spec.name]);
    if (!fits) await run('ip', ['link', 'add', 'link', spec.parent, 'name', spec.name, 'address', mac, 'type', 'macvlan', 'mode', 'private']);
    // Before it is up: a link-local address would be made (and announced) at once.
    await run('ip', ['link', 'set', 'dev', spec.name, 'addrgenmode', 'none']);
    for (const [key, value] of [['arp_ignore', '1'], ['accept_local', '1'], ['rp_filter', '0']] as const) await sysctl(spec.name, key, value);
    await this.guardParent(spec.parent);
    this.parents.set(spec.name, spec.parent);
    await run('ip', ['link', 'set', 'dev', spec.name, 'up']);
  }

  async remove(name: string): Promise<boolean> {
    const parent = this.parents.get(name);
    this.parents.delete(name);
    const removed = await run('ip', ['link', 'del', 'dev', name]).then(
      () => true,
      (err: Error) => {
        if (/Cannot find device|does not exist/.test(err.message)) return false;
        throw err;
      },
    );
    if (parent && ![...this.parents.values()].includes(parent)) await this.restoreParent(parent);
    return removed;
  }

  private async guardParent(parent: string): Promise<void> {
    if (!this.saved.has(parent)) {
      const before = { arp_ignore: '', arp_filter: '', arp_announce: '' };
      for (const [key] of PARENT_SETTINGS) before[key] = await readSysctl(parent, key);
      this.saved.set(parent, before);
    }
    for (const [key, value] of PARENT_SETTINGS) await sysctl(parent, key, value);
  }

  private async restoreParent(parent: string): Promise<void> {
    const before = this.saved.get(parent);
    this.saved.delete(parent);
    if (!before) return;
    for (const [key] of PARENT_SETTINGS) await sysctl(parent, key, before[key]).catch(() => undefined);
  }

  private async link(name: string): Promise<IpLink | undefined> {
    try {
      const [link] = JSON.parse(await run('ip', ['-d', '-j', 'link', 'show', 'dev', name])) as IpLink[];
      return link;
    } catch (err) {
      if (/does not exist|Cannot find device/.test((err as Error).message)) return undefined;
      throw err;
    }
  }
}

/** The interface names reaching these paths passed the config's interface-name rule (no `/`, not `..`). */
function sysctlPath(iface: string, key: string): string {
  return `/proc/sys/net/ipv4/conf/${iface}/${key}`;
}

async function sysctl(iface: string, key: string, value: string): Promise<void> {
  await writeFile(sysctlPath(iface, key), `${value}\n`);
}

async function readSysctl(iface: string, key: string): Promise<string> {
  return (await readFile(sysctlPath(iface, key), 'utf8')).trim();
}

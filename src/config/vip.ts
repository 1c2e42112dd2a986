import ipaddr from 'ipaddr.js';
import { canonicalAddress } from '../vrrp/address.js';

export interface Vip {
  /** Canonical address text. */
  address: string;
  prefix: number;
  family: 4 | 6;
}

/** An instance's VIP: an address, and the interface it goes on when not the instance's own. */
export interface InstanceVip extends Vip {
  /** `dev IF`: held on this interface instead of the instance's (or its virtual MAC). */
  dev?: string;
  /** False with `no_track`: the VIP's own interface going down does not fault the instance. */
  track: boolean;
  /** `scope S`: the address's scope (host, link, site, global or a number); the kernel's (global) otherwise. */
  scope?: string;
  /** `brd ADDRESS|+|-` (IPv4): the subnet's broadcast address, as `ip address` takes it; none otherwise. */
  broadcast?: string;
}

/** A broadcast address as `ip address ... brd` takes it: an IPv4 address, `+` (host bits set) or `-` (cleared). */
function isBroadcast(v: string): boolean {
  return v === '+' || v === '-' || (!v.includes('/') && parseVip(v)?.family === 4);
}

/** An address's or a route's scope as `ip` takes it. */
export function isScope(v: string): boolean {
  return ['host', 'link', 'global', 'site', 'nowhere'].includes(v) || (/^\d{1,3}$/.test(v) && Number(v) <= 255);
}

/** An interface name as the config schema takes it (see `ifname` in schema.ts). */
export const IFNAME_PATTERN = '^(?!\\.\\.?$)[A-Za-z0-9_.@+-]{1,15}$';
const IFNAME = new RegExp(IFNAME_PATTERN);

/** `192.0.2.10`, `192.0.2.10/24`, `2001:db8::10/64`; undefined when it is none of these. */
export function parseVip(text: string): Vip | undefined {
  const [addr, prefixText, ...rest] = text.split('/');
  if (rest.length || !addr || !ipaddr.isValid(addr)) return undefined;
  if (!ipaddr.IPv4.isValidFourPartDecimal(addr) && !ipaddr.IPv6.isValid(addr)) return undefined;
  const family = ipaddr.parse(addr).kind() === 'ipv4' ? 4 : 6;
  const max = family === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return undefined;
  return { address: canonicalAddress(addr), prefix, family };
}

export function isVip(text: string): boolean {
  return parseVip(text) !== undefined;
}

/**
 * An instance's VIP as the config writes it, in `ip address`'s words: `ADDRESS[/PREFIX]`,
 * then `dev IF` to hold it on another interface than the instance's, `scope S`, `brd B`, and
 * `no_track` so that that interface going down does not fault the instance (as Keepalived's
 * virtual_ipaddress). Undefined when it is not that.
 */
export function parseInstanceVip(text: string): InstanceVip | undefined {
  const [first, ...words] = text.trim().split(/\s+/);
  const vip = parseVip(first ?? '');
  if (!vip) return undefined;
  const out: InstanceVip = { ...vip, track: true };
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (word === 'dev' && out.dev === undefined && IFNAME.test(words[i + 1] ?? '')) out.dev = words[++i];
    else if (word === 'scope' && out.scope === undefined && isScope(words[i + 1] ?? '')) out.scope = words[++i];
    else if (word === 'brd' && out.broadcast === undefined && vip.family === 4 && isBroadcast(words[i + 1] ?? '')) out.broadcast = words[++i];
    else if (word === 'no_track' && out.track) out.track = false;
    else return undefined;
  }
  return out;
}

/** An instance's VIPs, parsed (the schema has checked them). */
export function instanceVips(inst: { vips: string[] }): InstanceVip[] {
  return inst.vips.map((text) => parseInstanceVip(text) as InstanceVip);
}

export function isInstanceVip(text: string): boolean {
  return parseInstanceVip(text) !== undefined;
}

/** How status and the logs write an instance's VIP: `ADDRESS/PREFIX`, and ` dev IF` if it has one. */
export function vipText(vip: Vip & { dev?: string }): string {
  return `${vip.address}/${vip.prefix}${vip.dev === undefined ? '' : ` dev ${vip.dev}`}`;
}

/**
 * An instance's VIPs by the interface each goes on, in the order the config lists them, the
 * home interface first. `home`: where VIPs without a `dev` go (the instance's interface, or its
 * virtual MAC); `own`: the instance's interface, which as a `dev` means home too (so a VIP of a
 * virtual MAC instance that names its parent is on the virtual MAC, as in Keepalived).
 */
export function vipsByInterface<V extends InstanceVip>(vips: V[], home: string, own = home): { iface: string; vips: V[] }[] {
  const groups = new Map<string, V[]>([[home, []]]);
  for (const v of vips) {
    const iface = v.dev === undefined || v.dev === own ? home : v.dev;
    groups.set(iface, [...(groups.get(iface) ?? []), v]);
  }
  return [...groups].filter(([, list]) => list.length).map(([iface, list]) => ({ iface, vips: list }));
}

/** The static addresses by interface (each has its `dev`: rules.ts). */
export function staticAddressPlaces(config: { static_addresses: string[] }): { iface: string; vips: InstanceVip[] }[] {
  return vipsByInterface(instanceVips({ vips: config.static_addresses }), '');
}

import ipaddr from 'ipaddr.js';
import { canonicalAddress } from '../vrrp/address.js';

export interface Vip {
  /** Canonical address text. */
  address: string;
  prefix: number;
  family: 4 | 6;
}

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

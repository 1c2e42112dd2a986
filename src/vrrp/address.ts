import ipaddr from 'ipaddr.js';

/** Bytes of an IPv4 or IPv6 address given as text; throws on anything else. */
export function addressBytes(text: string): Uint8Array {
  return Uint8Array.from(ipaddr.parse(text).toByteArray());
}

/** Canonical text of an address from its 4 or 16 bytes (RFC 5952 for IPv6). */
export function addressText(bytes: Uint8Array): string {
  // Every advert carries IPv4 addresses: the common case without a parse.
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  const addr = ipaddr.fromByteArray(Array.from(bytes));
  return addr.kind() === 'ipv6' ? (addr as ipaddr.IPv6).toRFC5952String() : addr.toString();
}

export function isAddress(text: string): boolean {
  return ipaddr.isValid(text) && (ipaddr.IPv4.isValidFourPartDecimal(text) || ipaddr.IPv6.isValid(text));
}

export function canonicalAddress(text: string): string {
  return addressText(addressBytes(text));
}

/** An IPv6 link-local address (fe80::/10): a socket bound to one needs its zone in every call. */
export function isLinkLocal6(text: string): boolean {
  return /^fe[89ab]/i.test(text);
}

export function addressFamily(text: string): 4 | 6 {
  return ipaddr.parse(text).kind() === 'ipv4' ? 4 : 6;
}

/**
 * Orders addresses as VRRP's tie-break does: numerically, IPv4 before IPv6.
 * Returns a negative number, zero or a positive number, like a sort comparator.
 */
export function compareAddresses(a: string, b: string): number {
  const x = addressBytes(a);
  const y = addressBytes(b);
  if (x.length !== y.length) return x.length - y.length;
  for (let i = 0; i < x.length; i++) {
    const d = (x[i] as number) - (y[i] as number);
    if (d !== 0) return d;
  }
  return 0;
}

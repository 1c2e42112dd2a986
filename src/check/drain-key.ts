import { canonicalAddress, isAddress } from '../vrrp/address.js';

/*
 * Names of drained servers: `ADDRESS:PORT` (IPv6 as `[ADDRESS]:PORT`) drains that server,
 * `ADDRESS` drains every port of it. Keys are canonical, so `2001:db8::0001` and `2001:db8::1`
 * name the same server. Pure.
 */

/** The canonical key of a drain name, or an error message saying what is wrong with it. */
export function parseDrainKey(text: string): { key: string } | { error: string } {
  const t = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  const hostPort = /^([^:]+):(\d+)$/.exec(t);
  const [address, port] = bracketed ? [bracketed[1] as string, bracketed[2]] : hostPort ? [hostPort[1] as string, hostPort[2]] : [t, undefined];
  if (!isAddress(address)) return { error: `"${text}" is not ADDRESS, ADDRESS:PORT or [IPv6]:PORT` };
  const canonical = canonicalAddress(address);
  if (port === undefined) return { key: canonical };
  const n = Number(port);
  if (n < 1 || n > 65535) return { error: `"${text}": port ${port} is not 1-65535` };
  return { key: `${canonical.includes(':') ? `[${canonical}]` : canonical}:${n}` };
}

/** Whether a set of drain keys covers a server. */
export function isDrained(keys: ReadonlySet<string>, address: string, port: number): boolean {
  const canonical = canonicalAddress(address);
  const withPort = `${canonical.includes(':') ? `[${canonical}]` : canonical}:${port}`;
  return keys.has(withPort) || keys.has(canonical);
}

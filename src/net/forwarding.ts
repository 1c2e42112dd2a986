import { readFile } from 'node:fs/promises';

/**
 * Whether the kernel forwards IPv4 (net.ipv4.ip_forward): IPVS NAT sends the real servers'
 * replies on to the clients only then. Unreadable counts as yes (nothing to warn about).
 */
export async function kernelForwards(): Promise<boolean> {
  return (await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8').catch(() => '1')).trim() !== '0';
}

import { run } from './exec.js';

/**
 * The iptables commands to try, in order: the system's own (on Debian, iptables-nft), then the
 * legacy ones for a kernel whose nf_tables lacks what is needed (User-mode Linux's has no
 * nftables NAT and no IPv6 nftables, but has the legacy tables).
 */
export const IPTABLES_VARIANTS = [
  { 4: 'iptables', 6: 'ip6tables' },
  { 4: 'iptables-legacy', 6: 'ip6tables-legacy' },
] as const;

export type IptablesVariant = (typeof IPTABLES_VARIANTS)[number];

/** A bound, not a goal: in the real-IPVS guest one iptables command takes a second when idle. */
export const IPTABLES_TIMEOUT_MS = 30_000;

/** Applies an iptables-restore input (its `*table` line says which), leaving what it does not name alone. */
export function iptablesRestore(command: string, input: string): Promise<string> {
  return run(`${command}-restore`, ['-w', '--noflush'], { input, timeoutMs: IPTABLES_TIMEOUT_MS });
}

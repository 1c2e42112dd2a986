import { Resolver } from 'node:dns/promises';
import type { CheckOutcome, CheckTarget } from './types.js';
import { errorText } from './types.js';

export interface DnsOptions {
  name: string;
  type: string;
  timeoutMs: number;
}

/** Answers that still prove the server is there and answering (Keepalived's DNS_CHECK asks for a reply, not for data). */
const ANSWERED = new Set(['ENODATA', 'ENOTFOUND', 'ENONAME', 'ENOTIMP']);

/** DNS, as Keepalived's DNS_CHECK: one query to the server (UDP, no retry); up when it answers. */
export async function checkDns(target: CheckTarget, opts: DnsOptions, signal: AbortSignal): Promise<CheckOutcome> {
  const resolver = new Resolver({ timeout: opts.timeoutMs, tries: 1 });
  const server = target.address.includes(':') ? `[${target.address}]:${target.port}` : `${target.address}:${target.port}`;
  resolver.setServers([server]);
  if (target.source) resolver.setLocalAddress(target.address.includes(':') ? undefined : target.source, target.address.includes(':') ? target.source : undefined);
  const onAbort = () => resolver.cancel();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const answer = (await resolver.resolve(opts.name, opts.type)) as unknown[];
    return { ok: true, message: `${opts.type} ${opts.name}: ${answer.length} record(s)` };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (ANSWERED.has(code)) return { ok: true, message: `${opts.type} ${opts.name}: answered (${code})` };
    return { ok: false, message: errorText(err) };
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

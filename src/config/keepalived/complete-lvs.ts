import type { KStatement } from './parse.js';
import type { Obj, Reporter } from './report.js';
import { numberArg } from './report.js';

/*
 * What Keepalived decides for a virtual server once it has read the whole file (check_data.c,
 * validate_check_config), decided the same way on the translated service, each with a warning
 * that quotes what Keepalived logs. test/netns/keepalived-grammar.test.ts holds the warnings
 * against `keepalived -t`.
 */

/** Keepalived's persistence_timeout without a value (IPVS_SVC_PERSISTENT_TIMEOUT). */
export const DEFAULT_PERSISTENCE = 360;

/** The lines of a virtual server that Keepalived reconsiders once it has read the whole file. */
export interface ServiceLines {
  ops?: KStatement;
  weight?: KStatement;
  quorum?: KStatement;
  hysteresis?: KStatement;
  protocol?: KStatement;
  sorry?: KStatement;
}

/**
 * No protocol is UDP; ops is cleared but for UDP; port 0 without persistence gets persistence; a real server
 * listed twice is kept once; `weight` on the service is its real servers' default; the quorum
 * is at most the real servers' total weight, the hysteresis below the quorum; a real server's
 * port is the service's (a firewall mark's: none) except with NAT.
 */
export function completeService(block: KStatement, where: string, out: Obj, lines: ServiceLines, real: { at: KStatement; server: Obj }[], r: Reporter): void {
  const warn = (at: KStatement, message: string, advice = '') => r.note(at, at === block ? '' : where, `${message}; so does this import${advice}`, 'warning');
  const fwmark = out.protocol === 'fwmark';
  if (!fwmark && out.protocol === undefined && !lines.protocol) {
    out.protocol = 'udp';
    warn(block, 'no protocol: Keepalived makes the service UDP (it logs "no protocol set - defaulting to UDP")', '; write `protocol TCP` if you meant TCP');
  }
  if (lines.ops) {
    if (fwmark || out.protocol === 'udp') out.one_packet = true;
    else warn(lines.ops, 'Keepalived clears ops on a TCP service (it logs "one packet scheduling requires UDP - resetting")');
  }
  if (!fwmark && out.address !== undefined && out.port === 0 && !out.persistence) {
    out.persistence = { timeout: DEFAULT_PERSISTENCE };
    warn(block, `port 0 without persistence: Keepalived makes the service persistent for ${DEFAULT_PERSISTENCE} s (it logs "zero port only valid for persistent services - setting")`);
  }
  const kept: { at: KStatement; server: Obj }[] = [];
  for (const entry of real) {
    if (kept.some((k) => k.server.address === entry.server.address && k.server.port === entry.server.port)) {
      warn(entry.at, `Keepalived keeps the first of a real server listed twice (it logs "real server ... is duplicated - removing second rs")`);
      continue;
    }
    kept.push(entry);
  }
  const vsWeight = lines.weight ? numberArg(lines.weight) : undefined;
  if (vsWeight !== undefined) for (const { server } of kept) server.weight ??= vsWeight;
  out.real_servers = kept.map((k) => k.server);
  const total = kept.reduce((sum, { server }) => sum + ((server.weight as number | undefined) ?? 1), 0);
  if (typeof out.quorum === 'number' && out.quorum > total) {
    warn(lines.quorum ?? block, `Keepalived lowers the quorum ${out.quorum} to the real servers' total weight, ${total} (it logs "exceeds total weight of real servers")`);
    out.quorum = total;
  }
  const quorum = (out.quorum as number | undefined) ?? 1;
  if (typeof out.quorum_hysteresis === 'number' && out.quorum_hysteresis >= quorum && quorum > 0) {
    warn(lines.hysteresis ?? block, `Keepalived lowers the hysteresis ${out.quorum_hysteresis} to ${quorum - 1}, below the quorum ${quorum} (it logs "hysteresis ... >= quorum")`);
    out.quorum_hysteresis = quorum - 1;
  }
  for (const { at, server } of kept) fixPort(server, out, (m) => warn(at, m));
  const sorry = out.sorry_server as Obj | undefined;
  if (sorry) fixPort(sorry, out, (m) => warn(lines.sorry ?? block, m));
}

/** Keepalived's ports: with NAT a real server's own (the service's if none); otherwise the service's, or none for a firewall mark. */
function fixPort(server: Obj, vs: Obj, warn: (message: string) => void): void {
  if (vs.protocol === 'fwmark') {
    if (server.method !== 'nat' && server.port) {
      warn(`Keepalived drops the port of a ${String(server.method).toUpperCase()} server of a firewall-mark service (it logs "has port specified - clearing")`);
      server.port = 0;
    }
    return;
  }
  if (!server.port) server.port = vs.port;
  else if (server.method !== 'nat' && server.port !== vs.port) {
    warn(`Keepalived gives a ${String(server.method).toUpperCase()} server the service's port ${String(vs.port)}, not ${String(server.port)} (it logs "ports don't match - resetting")`);
    server.port = vs.port;
  }
}

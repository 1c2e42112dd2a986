import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { controlRequest } from '../daemon/control.js';
import type { ClusterStatus } from '../daemon/cluster-announce.js';
import type { DaemonStatus, ReloadRecord } from '../daemon/daemon.js';

const socketIn = (stateDir: string) => path.join(stateDir, 'tandem.sock');

export async function statusCommand(stateDir: string, json: boolean): Promise<number> {
  const status = (await controlRequest(socketIn(stateDir), { command: 'status' })) as DaemonStatus;
  if (json) {
    console.log(JSON.stringify(status, null, 2));
    return 0;
  }
  console.log(formatStatus(status));
  return 0;
}

/** The VIPs, each the kernel lacks marked (a MASTER's repair failed): never shown as held. */
function vipsColumn(i: DaemonStatus['instances'][number]): string {
  const missing = new Set(i.vipsMissing ?? []);
  return i.vips.map((v) => (missing.has(v.split(/[/ ]/)[0] as string) ? `${v} (MISSING from the kernel)` : v)).join(' ');
}

export function formatStatus(s: DaemonStatus): string {
  const header = ['INSTANCE', 'VRID', 'STATE', 'PRIORITY', 'MASTER', 'LAST ADVERT', 'VIPS'];
  const rows = s.instances.map((i) => [
    i.name,
    String(i.vrid),
    i.state + (i.faults.length ? ` (${i.faults.join(', ')})` : ''),
    i.priority === i.basePriority ? String(i.priority) : `${i.priority} (base ${i.basePriority})`,
    i.master ?? '-',
    i.lastAdvertAgeMs === null ? '-' : `${(i.lastAdvertAgeMs / 1000).toFixed(2)}s ago` + lossNote(i),
    vipsColumn(i),
  ]);
  const rejected = Object.entries(s.adverts.rejected).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  const out =
    s.instances.length === 0
      ? [s.role === 'cluster' ? 'cluster director: it announces its addresses over BGP while their services have quorum' : 'checker-only director: no VRRP instance; it checks the real servers and keeps the IPVS table (another system moves the VIPs)']
      : [...table(header, rows), '', `adverts received ${s.adverts.received}; rejected: ${rejected}`];
  const c = s.cluster;
  if (c) {
    const withdrawn = c.addresses.filter((a) => !c.announced.includes(a));
    out.push(`announced: ${c.announced.join(', ') || 'nothing'}${withdrawn.length ? `; withdrawn: ${withdrawn.join(', ')}` : ''}${c.drained ? ' (drained: tandem undrain-director)' : ''}${c.lastError ? `; ERROR: ${c.lastError}` : ''}`);
  }
  const p = s.process;
  const loop = p.eventLoopDelayMs ? `; event loop delay p99 ${p.eventLoopDelayMs.p99} ms, max ${p.eventLoopDelayMs.max} ms (last ${p.eventLoopDelayMs.windowSeconds} s)` : '';
  const r = s.reload;
  if (r.last) {
    const what = r.last.ok ? r.last.summary.join('; ') : `REFUSED, the running config stays:\n  ${(r.last.error ?? '').split('\n').join('\n  ')}`;
    out.push(`last reload ${r.last.at} (${r.last.trigger}): ${what}`);
  }
  if (r.pendingRestart.length) out.push(`reload refused until a restart, for: ${r.pendingRestart.join(', ')}`);
  if (r.watch && !r.watch.alive) out.push(`config file NOT watched: ${r.watch.error ?? 'no watch'}`);
  out.push(`process: rss ${Math.round(p.rssBytes / 1048576)} MB, cpu ${(p.cpuSeconds.user + p.cpuSeconds.system).toFixed(1)} s${loop}`);
  if (s.services.length) out.push('', ...formatServices(s.services));
  if (s.ipvs) out.push('', ...formatIpvs(s.ipvs));
  if (s.proxy) {
    const x = s.proxy;
    out.push('', `HAProxy (services whose client address is passed on): ${x.pid === null ? 'NOT RUNNING' : `pid ${x.pid}`}, ${x.services} service(s), servers ${x.serversIn} in / ${x.serversOut} out, ${x.reloads} reload(s)`);
    if (x.lastError) out.push(`  last error: ${x.lastError}`);
  }
  return out.join('\n');
}

function formatServices(services: DaemonStatus['services']): string[] {
  const out: string[] = [];
  for (const svc of services) {
    const quorum = `healthy weight ${svc.healthyWeight}, quorum ${svc.quorum}${svc.up ? '' : ' NOT MET'}${svc.sorryServer ? '; sorry server in' : ''}`;
    out.push(`SERVICE ${svc.service}  (${quorum})`);
    const header = ['  REAL SERVER', 'CHECK', 'HEALTH', 'WEIGHT', 'SINCE', 'LAST RESULT'];
    const rows = svc.servers.map((r) => [
      `  ${r.server}`,
      r.check ?? '-',
      (r.healthy ? 'up' : 'DOWN') + (r.drained ? ` (drained: ${r.drained})` : ''),
      r.weight === null ? 'out' : String(r.weight),
      r.lastChange ?? '-',
      r.last ? `${r.last.ok ? 'ok' : 'failed'}: ${r.last.message} (${r.last.durationMs} ms)` : '-',
    ]);
    out.push(...table(header, rows));
  }
  return out;
}

/** Adverts being lost make a backup wait longer before a takeover: say both. */
function lossNote(i: DaemonStatus['instances'][number]): string {
  if (i.advertLoss < 0.01) return '';
  return ` (${Math.round(i.advertLoss * 100)}% lost; takeover after ${(i.masterDownMs / 1000).toFixed(2)}s of silence)`;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] as string).length)));
  const line = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c] as number)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

function formatIpvs(i: NonNullable<DaemonStatus['ipvs']>): string[] {
  const out = [
    `IPVS${i.dryRun ? ' (dry run: nothing applied)' : ''}: ${i.operations} operations in ${i.batches} batches through ${i.transport}, ${i.driftRepairs} drift repairs` +
      (i.syncDaemon ? `; sync daemon ${i.syncDaemon}` : ''),
  ];
  if (i.lastError) out.push(`  last error (${i.lastError.kind}): ${i.lastError.message}`);
  if (i.fullnat.rules || i.fullnat.error) out.push(`  full NAT: ${i.fullnat.rules} source NAT rule(s) through ${i.fullnat.command ?? 'nothing yet'}${i.fullnat.unrouted.length ? `; no route to ${i.fullnat.unrouted.join(', ')}` : ''}${i.fullnat.error ? `; error: ${i.fullnat.error}` : ''}`);
  for (const r of i.refused) out.push(`  refused: ${r.command}: ${r.error}`);
  for (const svc of i.services) {
    out.push(`  ${svc.service}  ${svc.inSync ? 'in sync' : 'OUT OF SYNC'}`);
    out.push(`    desired: ${svc.desired.join(', ') || '(none)'}`);
    if (!svc.inSync) out.push(`    actual:  ${svc.actual === null ? '(unknown)' : svc.actual.join(', ') || '(none)'}`);
  }
  return out;
}

export async function stepDownCommand(stateDir: string, instance: string | undefined, holdSeconds: number | undefined): Promise<number> {
  const result = (await controlRequest(socketIn(stateDir), { command: 'step-down', instance, holdSeconds })) as { steppedDown: string[] };
  console.log(`step-down sent to: ${result.steppedDown.join(', ')}`);
  return 0;
}

export async function drainCommand(stateDir: string, server: string, drain: boolean): Promise<number> {
  const command = drain ? 'drain' : 'undrain';
  const result = (await controlRequest(socketIn(stateDir), { command, server })) as Record<string, string[]>;
  const servers = result[drain ? 'drained' : 'restored'] ?? [];
  console.log(`${drain ? 'drained (weight 0, connections finish)' : 'restored'}: ${servers.join('; ')}`);
  return 0;
}

/**
 * The IPVS connections this director still serves (not closing), from /proc/net/ip_vs_conn_sync
 * (or /proc/net/ip_vs_conn, which has no Origin column). With the sync daemon, the table also
 * holds the other directors' connections (Origin SYNC): those are not this director's to wait for.
 */
export function openConnections(procText: string): number {
  const [header = '', ...lines] = procText.split('\n');
  const origin = header.trim().split(/\s+/).indexOf('Origin');
  return lines.filter((line) => /\b(ESTABLISHED|SYN_RECV|SYN_SENT|UDP)\b/.test(line) && (origin < 0 || line.trim().split(/\s+/)[origin] === 'LOCAL')).length;
}

/** The IPVS connection table, with each entry's origin where the kernel has it. */
async function connectionTable(procFile?: string): Promise<string> {
  for (const file of procFile ? [procFile] : ['/proc/net/ip_vs_conn_sync', '/proc/net/ip_vs_conn']) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text !== undefined) return text;
  }
  return '';
}

/**
 * drain-director: the routes are withdrawn at once (the routers send no new flows here), then
 * this waits for the connections still served to finish, up to `timeoutS`, and reports.
 * undrain-director: announced again.
 */
export async function drainDirectorCommand(stateDir: string, drain: boolean, timeoutS: number, procFile?: string): Promise<number> {
  const result = (await controlRequest(socketIn(stateDir), { command: drain ? 'drain-director' : 'undrain-director' })) as { cluster: ClusterStatus };
  if (result.cluster.lastError) console.error(`announce: ${result.cluster.lastError}`);
  if (!drain) {
    console.log(`announcing again: ${result.cluster.announced.join(', ') || 'nothing (no service has its quorum)'}`);
    return result.cluster.lastError ? 1 : 0;
  }
  console.log(`withdrawn: ${result.cluster.addresses.join(', ')}; waiting up to ${timeoutS} s for the connections to finish`);
  const start = Date.now();
  let left = openConnections(await connectionTable(procFile));
  while (left > 0 && Date.now() - start < timeoutS * 1000) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    left = openConnections(await connectionTable(procFile));
  }
  const seconds = ((Date.now() - start) / 1000).toFixed(1);
  if (left > 0) {
    console.log(`${left} connection(s) still open after ${seconds} s: the director stays drained (tandem undrain-director to announce again)`);
    return 1;
  }
  console.log(`drained: no connection left after ${seconds} s; safe to stop`);
  return result.cluster.lastError ? 1 : 0;
}

export async function reloadCommand(stateDir: string): Promise<number> {
  const record = (await controlRequest(socketIn(stateDir), { command: 'reload' })) as ReloadRecord;
  console.log(`reloaded in ${record.ms} ms:\n${record.summary.map((l) => `  ${l}`).join('\n')}`);
  return 0;
}

export async function garpCommand(stateDir: string, instance: string | undefined): Promise<number> {
  const result = (await controlRequest(socketIn(stateDir), { command: 'garp', instance })) as { announced: string[] };
  console.log(result.announced.length ? `gratuitous ARP sent for: ${result.announced.join(', ')}` : 'no instance is MASTER here: nothing to announce');
  return 0;
}

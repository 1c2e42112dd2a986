import path from 'node:path';
import { controlRequest } from '../daemon/control.js';
import type { DaemonStatus } from '../daemon/daemon.js';

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

export function formatStatus(s: DaemonStatus): string {
  const header = ['INSTANCE', 'VRID', 'STATE', 'PRIORITY', 'MASTER', 'LAST ADVERT', 'VIPS'];
  const rows = s.instances.map((i) => [
    i.name,
    String(i.vrid),
    i.state + (i.faults.length ? ` (${i.faults.join(', ')})` : ''),
    i.priority === i.basePriority ? String(i.priority) : `${i.priority} (base ${i.basePriority})`,
    i.master ?? '-',
    i.lastAdvertAgeMs === null ? '-' : `${(i.lastAdvertAgeMs / 1000).toFixed(2)}s ago`,
    i.vips.join(' '),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] as string).length)));
  const line = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c] as number)).join('  ').trimEnd();
  const rejected = Object.entries(s.adverts.rejected).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  const out = [line(header), ...rows.map(line), '', `adverts received ${s.adverts.received}; rejected: ${rejected}`];
  if (s.ipvs) out.push('', ...formatIpvs(s.ipvs));
  return out.join('\n');
}

function formatIpvs(i: NonNullable<DaemonStatus['ipvs']>): string[] {
  const out = [
    `IPVS${i.dryRun ? ' (dry run: nothing applied)' : ''}: ${i.operations} operations in ${i.batches} batches, ${i.driftRepairs} drift repairs` +
      (i.syncDaemon ? `; sync daemon ${i.syncDaemon}` : ''),
  ];
  if (i.lastError) out.push(`  last error (${i.lastError.kind}): ${i.lastError.message}`);
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

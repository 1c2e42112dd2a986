import type { DrillReport } from './report.js';

const secs = (ms: number) => `${(ms / 1000).toFixed(3)} s`;

/** The report for a terminal: the figures, the verdict per check, then the timeline. */
export function formatReport(r: DrillReport): string {
  const rows: [string, string][] = [
    ['drill', r.drill],
    ['started', r.startedAt],
    ['master before / after', `${r.masterBefore ?? '-'} / ${r.masterAfter ?? '-'}`],
    ['time to new master', r.timeToNewMasterMs === null ? '-' : `${r.timeToNewMasterMs} ms`],
    ['VIP downtime (longest ping gap)', `${r.vipDowntimeMs} ms (${r.pingsLost} of ${r.pingsSent} pings lost)`],
    ['requests sent / failed', `${r.requestsSent} / ${r.requestsFailed} (${r.requestsFailedOutsideTakeover} outside a takeover)`],
    ['long-lived connection kept', fmt(r.connectionSurvived)],
    ['IPVS tables equal before / after', `${fmt(r.ipvsTablesEqualBefore)} / ${fmt(r.ipvsTablesEqualAfter)}`],
    ['one master at the end', fmt(r.singleOwnerAtEnd)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const out = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  out.push('', 'CHECK'.padEnd(width) + '  VALUE      LIMIT      RESULT');
  for (const c of r.checks) out.push(`${c.name.padEnd(width)}  ${fmt(c.value).padEnd(10)} ${c.limit.padEnd(10)} ${c.pass ? 'pass' : 'FAIL'}`);
  out.push(`${'verdict'.padEnd(width)}  ${r.pass ? 'PASS' : 'FAIL'}`, '', 'TIMELINE');
  for (const e of r.events) out.push(`  ${secs(e.atMs).padStart(9)}  ${e.node.padEnd(8)} ${e.text}`);
  return out.join('\n');
}

function fmt(v: number | boolean | null): string {
  return v === null ? '-' : typeof v === 'boolean' ? (v ? 'yes' : 'NO') : String(v);
}

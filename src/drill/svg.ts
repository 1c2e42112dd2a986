import type { DrillReport } from './report.js';

const COLORS: Record<string, string> = { MASTER: '#2e7d32', BACKUP: '#9e9e9e', FAULT: '#c62828', INIT: '#e0e0e0', DOWN: '#212121' };
const LANE = 28;
const LEFT = 150;
const WIDTH = 900;

const escape = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The drill as a timeline picture (pure SVG text): a lane per director and instance coloured by
 * state, the client's lost pings in red, and the events as numbered ticks listed below.
 */
export function drillSvg(r: DrillReport): string {
  const lanes = [...new Set(r.spans.map((s) => `${s.node} ${s.instance}`))];
  const x = (ms: number) => LEFT + (Math.max(0, Math.min(ms, r.durationMs)) / Math.max(1, r.durationMs)) * (WIDTH - LEFT - 10);
  const parts: string[] = [];
  lanes.forEach((lane, i) => {
    const y = 30 + i * LANE;
    parts.push(`<text x="8" y="${y + 15}" font-size="12">${escape(lane)}</text>`);
    for (const s of r.spans.filter((sp) => `${sp.node} ${sp.instance}` === lane)) {
      parts.push(`<rect x="${x(s.fromMs).toFixed(1)}" y="${y}" width="${Math.max(1, x(s.toMs) - x(s.fromMs)).toFixed(1)}" height="20" fill="${COLORS[s.state] ?? '#607d8b'}"><title>${s.state} ${s.fromMs}-${s.toMs} ms</title></rect>`);
    }
  });
  const clientY = 30 + lanes.length * LANE;
  parts.push(`<text x="8" y="${clientY + 15}" font-size="12">client</text>`);
  parts.push(`<rect x="${LEFT}" y="${clientY}" width="${WIDTH - LEFT - 10}" height="20" fill="#e8f5e9"/>`);
  for (const e of r.events.filter((ev) => ev.kind === 'probe' && ev.text.startsWith('no reply'))) {
    const gap = Number(/(\d+) ms/.exec(e.text)?.[1] ?? 0);
    parts.push(`<rect x="${x(e.atMs - gap).toFixed(1)}" y="${clientY}" width="${Math.max(2, x(e.atMs) - x(e.atMs - gap)).toFixed(1)}" height="20" fill="#c62828"><title>${escape(e.text)}</title></rect>`);
  }
  const axisY = clientY + 34;
  parts.push(`<line x1="${LEFT}" y1="${axisY}" x2="${WIDTH - 10}" y2="${axisY}" stroke="#000"/>`);
  for (let t = 0; t <= r.durationMs; t += Math.max(500, Math.ceil(r.durationMs / 10 / 500) * 500)) {
    parts.push(`<text x="${x(t).toFixed(1)}" y="${axisY + 14}" font-size="10" text-anchor="middle">${(t / 1000).toFixed(1)} s</text>`);
  }
  const listed = r.events.filter((e) => e.kind !== 'probe' || e.text.startsWith('no reply'));
  listed.forEach((e, i) => {
    parts.push(`<line x1="${x(e.atMs).toFixed(1)}" y1="24" x2="${x(e.atMs).toFixed(1)}" y2="${axisY}" stroke="#1565c0" stroke-dasharray="2,3"/>`);
    parts.push(`<text x="${x(e.atMs).toFixed(1)}" y="20" font-size="9" text-anchor="middle" fill="#1565c0">${i + 1}</text>`);
    parts.push(`<text x="8" y="${axisY + 34 + i * 14}" font-size="11">${i + 1}. ${(e.atMs / 1000).toFixed(3)} s ${escape(e.node)}: ${escape(e.text)}</text>`);
  });
  const height = axisY + 44 + listed.length * 14;
  const title = `tandem drill ${r.drill}: ${r.pass ? 'PASS' : 'FAIL'}; VIP downtime ${r.vipDowntimeMs} ms; requests failed ${r.requestsFailed} of ${r.requestsSent}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">
<text x="8" y="12" font-size="12" font-weight="bold">${escape(title)}</text>
${parts.join('\n')}
</svg>
`;
}

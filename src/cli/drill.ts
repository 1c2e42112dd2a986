import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { handover } from '../drill/drills.js';
import { formatReport } from '../drill/format.js';
import type { DrillNode } from '../drill/run.js';
import { runDrill } from '../drill/run.js';
import { drillSvg } from '../drill/svg.js';

export const DRILL_USAGE = `tandem drill handover --node NAME=STATE_DIR --node NAME=STATE_DIR --vip ADDRESS
                    [--http URL] [--every MS] [--hold SECONDS] [--timeout SECONDS]
                    [--max-downtime MS] [--max-failed N] [--max-time-to-master MS]
                    [--json FILE] [--svg FILE]`;

/** Runs a drill and prints its report; exit 0 when every check passes, 1 otherwise. */
export async function drillCommand(args: string[], usage: (message: string) => Error): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      node: { type: 'string', multiple: true },
      vip: { type: 'string' },
      http: { type: 'string' },
      every: { type: 'string', default: '20' },
      hold: { type: 'string', default: '10' },
      timeout: { type: 'string', default: '30' },
      'max-downtime': { type: 'string' },
      'max-failed': { type: 'string' },
      'max-time-to-master': { type: 'string' },
      json: { type: 'string' },
      svg: { type: 'string' },
    },
  });
  const [name] = positionals;
  if (name !== 'handover') throw usage(`unknown drill "${name ?? ''}" (known: handover)`);
  const nodes: DrillNode[] = (values.node ?? []).map((spec) => {
    const [nodeName, dir] = spec.split('=');
    if (!nodeName || !dir) throw usage(`--node takes NAME=STATE_DIR, got "${spec}"`);
    return { name: nodeName, socket: path.join(dir, 'tandem.sock') };
  });
  if (nodes.length < 2) throw usage('a drill needs two --node NAME=STATE_DIR (their control sockets)');
  if (!values.vip) throw usage('--vip is required: the address the client pings');
  const num = (flag: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw usage(`${flag} takes a number, got "${v}"`);
    return n;
  };
  const report = await runDrill(handover(num('--hold', values.hold) ?? 10), {
    nodes,
    vip: values.vip,
    http: values.http,
    requestEveryMs: num('--every', values.every) ?? 20,
    timeoutMs: (num('--timeout', values.timeout) ?? 30) * 1000,
    thresholds: {
      maxDowntimeMs: num('--max-downtime', values['max-downtime']),
      maxFailedRequests: num('--max-failed', values['max-failed']),
      maxTimeToMasterMs: num('--max-time-to-master', values['max-time-to-master']),
    },
    progress: (line) => console.error(`drill ${line}`),
  });
  console.log(formatReport(report));
  if (values.json) await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`);
  if (values.svg) await writeFile(values.svg, drillSvg(report));
  return report.pass ? 0 : 1;
}

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { DrillCommands, DrillName } from '../drill/drills.js';
import { DRILLS, drill } from '../drill/drills.js';
import { formatReport } from '../drill/format.js';
import type { DrillNode } from '../drill/run.js';
import { runDrill } from '../drill/run.js';
import { drillSvg } from '../drill/svg.js';

export const DRILL_USAGE = `tandem drill NAME --node NAME=STATE_DIR --node NAME=STATE_DIR --vip ADDRESS [options]

drills:
  handover      the master steps down gracefully (control socket)
  crash         the master's daemon is killed (SIGKILL, pid from its state dir);
                --restart CMD starts it again
  link          --cut CMD cuts the master's link, --heal CMD restores it
  partition     --cut CMD cuts the heartbeat path between the directors (both stay up),
                --heal CMD restores it; exactly one must keep the VIPs afterwards
  real-server   --stop CMD stops the real server --server ADDRESS:PORT, --start CMD
                brings it back; every director must take it out and put it back

CMD is a JSON array (no shell), e.g. '["ip","-n","sw","link","set","{master}","down"]';
{master} and {other} stand for the directors' names.

options:
  --http URL                 also send HTTP requests through the VIP (--every MS apart, 20);
                             one not answered within --request-timeout SECONDS (3) failed
  --connection               and hold one keep-alive connection to URL through the drill:
                             it survives a failover only with the IPVS sync daemon
  --hold SECONDS             handover: no preemption back for this long (10)
  --sample-every MS          how often both directors' status is read (20)
  --ping-every MS            how often the client pings the VIP (10; ping allows 2 and up)
  --timeout SECONDS          longest wait for each step (30)
  --max-downtime MS, --max-failed N, --max-failed-percent P, --max-time-to-master MS,
  --max-failed-outside-takeover N
                             thresholds: the exit status is 1 when one is not met
  --json FILE, --svg FILE    write the report as JSON, and as an SVG timeline`;

/** Runs a drill and prints its report; exit 0 when every check passes, 1 otherwise. */
export async function drillCommand(args: string[], usage: (message: string) => Error): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      node: { type: 'string', multiple: true },
      vip: { type: 'string' },
      http: { type: 'string' },
      connection: { type: 'boolean' },
      every: { type: 'string', default: '20' },
      'request-timeout': { type: 'string', default: '3' },
      'sample-every': { type: 'string', default: '20' },
      'ping-every': { type: 'string', default: '10' },
      hold: { type: 'string', default: '10' },
      timeout: { type: 'string', default: '30' },
      'max-downtime': { type: 'string' },
      'max-failed': { type: 'string' },
      'max-failed-percent': { type: 'string' },
      'max-time-to-master': { type: 'string' },
      'max-failed-outside-takeover': { type: 'string' },
      json: { type: 'string' },
      svg: { type: 'string' },
      server: { type: 'string' },
      cut: { type: 'string' },
      heal: { type: 'string' },
      restart: { type: 'string' },
      stop: { type: 'string' },
      start: { type: 'string' },
    },
  });
  const [name] = positionals;
  if (!DRILLS.includes(name as DrillName)) throw usage(`unknown drill "${name ?? ''}" (known: ${DRILLS.join(', ')})`);
  const argv = (flag: keyof DrillCommands): string[] | undefined => {
    const v = values[flag];
    if (v === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || !parsed.length || !parsed.every((w) => typeof w === 'string')) throw usage(`--${flag} takes a command as a JSON array of strings, got ${v}`);
    return parsed as string[];
  };
  const commands: DrillCommands = { cut: argv('cut'), heal: argv('heal'), restart: argv('restart'), stop: argv('stop'), start: argv('start') };
  const nodes: DrillNode[] = (values.node ?? []).map((spec) => {
    const [nodeName, dir] = spec.split('=');
    if (!nodeName || !dir) throw usage(`--node takes NAME=STATE_DIR, got "${spec}"`);
    return { name: nodeName, socket: path.join(dir, 'tandem.sock') };
  });
  if (nodes.length < 2) throw usage('a drill needs two --node NAME=STATE_DIR (their control sockets)');
  if (!values.vip) throw usage('--vip is required: the address the client pings');
  // Below 2 ms ping floods, which is no probe.
  const pingEvery = (ms: number) => {
    if (ms < 2) throw usage(`--ping-every takes 2 ms or more, got ${ms}`);
    return ms;
  };
  const num = (flag: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw usage(`${flag} takes a number, got "${v}"`);
    return n;
  };
  const spec = drill(name as DrillName, { holdSeconds: num('--hold', values.hold) ?? 10, server: values.server, commands });
  const report = await runDrill(spec, {
    nodes,
    vip: values.vip,
    http: values.http,
    connection: values.connection ?? false,
    requestEveryMs: num('--every', values.every) ?? 20,
    sampleEveryMs: num('--sample-every', values['sample-every']) ?? 20,
    pingEveryMs: pingEvery(num('--ping-every', values['ping-every']) ?? 10),
    requestTimeoutMs: (num('--request-timeout', values['request-timeout']) ?? 3) * 1000,
    timeoutMs: (num('--timeout', values.timeout) ?? 30) * 1000,
    thresholds: {
      maxDowntimeMs: num('--max-downtime', values['max-downtime']),
      maxFailedRequests: num('--max-failed', values['max-failed']),
      maxFailedPercent: num('--max-failed-percent', values['max-failed-percent']),
      maxTimeToMasterMs: num('--max-time-to-master', values['max-time-to-master']),
      maxFailedOutsideTakeover: num('--max-failed-outside-takeover', values['max-failed-outside-takeover']),
    },
    progress: (line) => console.error(`drill ${line}`),
  });
  console.log(formatReport(report));
  if (values.json) await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`);
  if (values.svg) await writeFile(values.svg, drillSvg(report));
  return report.pass ? 0 : 1;
}

/*
 * The cluster lab's drills (scripts/lab --cluster, test/vm/cluster.test.ts), on a lab that
 * test/support/cluster-lab.ts built, each measured:
 *   director-drain  tandem drain-director on the director carrying the most flows, under load
 *   director-loss   that director's link cut at the switch, under load
 *   real-server     one real server's port closed: which flows change real server
 *   fullnat-drain   director-drain with the load on the full NAT service (VIP:8080; a lab
 *                   built with `fullnat`)
 * Under load: 30 long-lived connections asking every 200 ms, and a new connection every 100 ms.
 */
import path from 'node:path';
import { CLUSTER_BOUND_MS, CLUSTER_DIRECTORS, CLUSTER_FULLNAT_PORT, CLUSTER_SERVERS, CLUSTER_VIP } from '../../test/support/cluster-lab.js';
import type { ClusterLab } from '../../test/support/cluster-lab.js';
import { ip, portName, waitFor } from '../../test/support/netns.js';
import { ROOT, TANDEM } from '../../test/support/pair.js';
import { run } from '../../test/support/programs.js';

const CLIENT = path.join(ROOT, 'test/support/cluster-client.mjs');
const FLOWS = 30;
/** How long the load runs after the event has played out. */
const AFTER_MS = 3000;
export const DRILLS = ['director-drain', 'director-loss', 'real-server'] as const;
export type Drill = (typeof DRILLS)[number] | 'fullnat-drain';

interface FlowRecord {
  port: number;
  answers: string[];
  broken: boolean;
}
interface LoadResult {
  flows: FlowRecord[];
  fresh: { answered: number; failedAtMs: number[] };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Each established connection of the client's to VIP:`vport`, by port: the director that
 * carries it. Read from /proc/net/ip_vs_conn_sync, whose Origin column tells a director's own
 * connections (LOCAL) from those the sync daemon brought from the others (SYNC); addresses and
 * ports are in hex there (172.16.0.2 is AC100002).
 */
async function flowDirectors(c: ClusterLab, vport: number, origin: 'LOCAL' | 'SYNC' = 'LOCAL'): Promise<Map<number, string[]>> {
  const byPort = new Map<number, string[]>();
  const hexPort = vport.toString(16).toUpperCase().padStart(4, '0');
  for (const d of CLUSTER_DIRECTORS) {
    for (const line of (await c.inNs(d, ['cat', '/proc/net/ip_vs_conn_sync'])).split('\n')) {
      const m = /^TCP\s+AC100002\s+([0-9A-F]{4})\s+\S+\s+([0-9A-F]{4})\s+\S+\s+\S+\s+ESTABLISHED\s+(\S+)/i.exec(line);
      if (m && m[2]?.toUpperCase() === hexPort && m[3]?.toUpperCase() === origin) {
        const port = parseInt(m[1] as string, 16);
        byPort.set(port, [...(byPort.get(port) ?? []), d]);
      }
    }
  }
  return byPort;
}

/** Each flow's one carrier (a flow seen as LOCAL on two directors is not settled yet). */
async function carriers(c: ClusterLab, vport: number): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const [port, ds] of await flowDirectors(c, vport)) if (ds.length === 1) out.set(port, ds[0] as string);
  return out;
}

/** Runs `event` under the client's load; what the load saw, and which director carried each flow before. */
async function underLoad<T>(c: ClusterLab, event: (before: Map<number, string>) => Promise<T>, vport = 80): Promise<{ load: LoadResult; before: Map<number, string>; value: T }> {
  const client = run('ip', ['netns', 'exec', c.lab.ns('client'), process.execPath, CLIENT, 'load', `${CLUSTER_VIP}:${vport}`, String(FLOWS)], { stdin: 'pipe', buffer: true, timeout: CLUSTER_BOUND_MS * 3 });
  let out = '';
  client.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor('the client load to start', () => Promise.resolve(out.includes('ready')), CLUSTER_BOUND_MS, 50);
  try {
    let seen = new Map<number, string[]>();
    const before = await waitFor(`the ${FLOWS} flows to be established`, async () => {
      seen = await flowDirectors(c, vport);
      const m = await carriers(c, vport);
      return m.size >= FLOWS ? m : undefined;
    }, CLUSTER_BOUND_MS, 200).catch((err: Error) => {
      throw new Error(`${err.message} (established, by port: ${JSON.stringify([...seen])})`);
    });
    // With the sync daemon: every other director has learnt every long-lived flow before the
    // event (the kernel sends a partly filled sync message after up to 2 s). The new
    // connections of the load come and go meanwhile: only those still there count.
    if (c.options.sync) {
      await waitFor('every flow to be synced to the other directors', async () => {
        const [now, synced] = [await carriers(c, vport), await flowDirectors(c, vport, 'SYNC')];
        return [...now].filter(([port]) => before.has(port)).every(([port, carrier]) => CLUSTER_DIRECTORS.every((d) => d === carrier || synced.get(port)?.includes(d)));
      }, CLUSTER_BOUND_MS, 200);
    }
    const value = await event(before);
    await sleep(AFTER_MS);
    client.stdin?.write('stop\n');
    const result = await client;
    const load = JSON.parse(result.stdout.split('\n').filter((l) => l.startsWith('{')).at(-1) ?? '{}') as LoadResult;
    return { load, before, value };
  } finally {
    // A drill that failed midway leaves no load running into the next one.
    if (client.exitCode === null) client.kill('SIGKILL');
  }
}

/** The director carrying the most flows now. */
function busiest(before: Map<number, string>): string {
  const counts = new Map<string, number>();
  for (const d of before.values()) counts.set(d, (counts.get(d) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'dir1';
}

/** Waits until the router no longer sends the VIP to `director`; the ms from `since`. */
async function routerDrop(c: ClusterLab, director: string, since: number): Promise<number> {
  await waitFor(`the router to drop ${director}`, async () => !(await c.nextHops()).includes(c.hop(director)), CLUSTER_BOUND_MS, 20);
  return Date.now() - since;
}

function flowFigures(load: LoadResult, before: Map<number, string>, director: string) {
  const on = load.flows.filter((f) => before.get(f.port) === director);
  const elsewhere = load.flows.filter((f) => before.get(f.port) !== director);
  const kept = (fs: FlowRecord[]) => fs.filter((f) => !f.broken && f.answers.length === 1).length;
  return {
    flows: load.flows.length,
    onDirector: on.length,
    survivedOnDirector: kept(on),
    survivedElsewhere: kept(elsewhere),
    elsewhere: elsewhere.length,
    changedServer: load.flows.filter((f) => f.answers.length > 1).length,
    newRequests: { answered: load.fresh.answered, failed: load.fresh.failedAtMs.length },
  };
}

async function directorDrain(c: ClusterLab, vport = 80, drill = 'director-drain') {
  const { load, before, value } = await underLoad(c, async (flows) => {
    const director = busiest(flows);
    const since = Date.now();
    const drop = routerDrop(c, director, since);
    const cli = await run('ip', ['netns', 'exec', c.lab.ns(director), process.execPath, TANDEM, 'drain-director', '--timeout', '2', '--state-dir', c.nodes.stateDir(director)], { reject: false, timeout: CLUSTER_BOUND_MS });
    return { director, routerDropMs: await drop, drainReport: cli.stdout.trim().split('\n').at(-1) ?? '' };
  }, vport);
  await run('ip', ['netns', 'exec', c.lab.ns(value.director), process.execPath, TANDEM, 'undrain-director', '--state-dir', c.nodes.stateDir(value.director)], { timeout: CLUSTER_BOUND_MS });
  await c.waitHops(CLUSTER_DIRECTORS.map((d) => c.hop(d)));
  return { drill, director: value.director, routerDropMs: value.routerDropMs, drainReport: value.drainReport, ...flowFigures(load, before, value.director) };
}

async function directorLoss(c: ClusterLab) {
  const port = (d: string) => portName(d);
  const { load, before, value } = await underLoad(c, async (flows) => {
    const director = busiest(flows);
    const since = Date.now();
    await ip(['-n', c.lab.ns('sw'), 'link', 'set', port(director), 'down']);
    return { director, since, routerDropMs: await routerDrop(c, director, since) };
  });
  await ip(['-n', c.lab.ns('sw'), 'link', 'set', port(value.director), 'up']);
  await c.waitHops(CLUSTER_DIRECTORS.map((d) => c.hop(d)));
  return { drill: 'director-loss', director: value.director, routerDropMs: value.routerDropMs, ...flowFigures(load, before, value.director) };
}

/**
 * A service's real servers in the kernel's order (`ipvsadm -Ln --nosort`: the order IPVS's Maglev
 * table is built in), each with its weight.
 */
async function kernelServers(c: ClusterLab, director: string, vport: number): Promise<{ address: string; weight: number }[]> {
  const out: { address: string; weight: number }[] = [];
  let inService = false;
  for (const line of (await c.inNs(director, ['ipvsadm', '-Ln', '--nosort'])).split('\n')) {
    if (/^(TCP|UDP|FWM)\s/.test(line)) inService = line.includes(` ${CLUSTER_VIP}:${vport} `);
    const m = /^\s+->\s+(\S+)\s+\S+\s+(\d+)/.exec(line);
    if (inService && m) out.push({ address: m[1] as string, weight: Number(m[2]) });
  }
  return out;
}

async function realServer(c: ClusterLab) {
  const mapping = async () => JSON.parse(await c.inNs('client', [process.execPath, CLIENT, 'mapping', CLUSTER_VIP, '42000', '90'])) as Record<string, string>;
  const orders = async () => Promise.all(CLUSTER_DIRECTORS.map(async (d) => (await kernelServers(c, d, 80)).map((s) => s.address).join(' ')));
  const orderBefore = await orders();
  // The server at the end of the first director's list: added again, it would go to the head.
  const address = (await kernelServers(c, CLUSTER_DIRECTORS[0] as string, 80)).at(-1)?.address as string;
  const lost = CLUSTER_SERVERS[Number(address.split(/[.:]/)[3]) - 11] as string;
  // Out of service: gone from the list, or in it at weight 0 (mh-fallback keeps its place).
  const takingNew = async () => (await Promise.all(CLUSTER_DIRECTORS.map((d) => kernelServers(c, d, 80)))).filter((list) => list.some((s) => s.address === address && s.weight > 0)).length;
  const before = await mapping();
  c.servers.get(lost)?.process.kill('SIGUSR1');
  await waitFor(`${lost} to be out of service on every director`, async () => (await takingNew()) === 0, CLUSTER_BOUND_MS, 100);
  const after = await mapping();
  const failedPorts = Object.keys(after).filter((p) => after[p] === 'failed');
  // A port that failed after the loss should not have: what each director had for it then.
  const diagnosis = failedPorts.length ? await Promise.all(CLUSTER_DIRECTORS.map((d) => directorState(c, d, failedPorts))) : [];
  c.servers.get(lost)?.process.kill('SIGUSR2');
  await waitFor(`${lost} to be back in service on every director`, async () => (await takingNew()) === CLUSTER_DIRECTORS.length, CLUSTER_BOUND_MS, 100);
  const orderAfter = await orders();
  const ports = Object.keys(before);
  const changed = ports.filter((p) => before[p] !== after[p]);
  const onLost = ports.filter((p) => before[p] === lost);
  return {
    drill: 'real-server',
    server: lost,
    flows: ports.length,
    onLostServer: onLost.length,
    changedServer: changed.length,
    changedNotOnLost: changed.filter((p) => before[p] !== lost).length,
    failedBefore: ports.filter((p) => before[p] === 'failed').length,
    failedAfter: ports.filter((p) => after[p] === 'failed').length,
    changedShare: Math.round((changed.length / ports.length) * 1000) / 1000,
    // Maglev's table follows the list's order: after the server is back, every director must
    // list its servers as before, and all alike.
    orderKept: orderAfter.filter((o, k) => o === orderBefore[k]).length,
    ordersAlike: new Set(orderAfter).size === 1,
    diagnosis,
  };
}

/** A director's IPVS settings, list and connection entries of some client ports, for a report. */
async function directorState(c: ClusterLab, director: string, ports: string[]): Promise<string> {
  const sysctl = async (key: string) => (await c.inNs(director, ['cat', `/proc/sys/net/ipv4/vs/${key}`])).trim();
  const servers = (await kernelServers(c, director, 80)).map((s) => `${s.address}/${s.weight}`).join(' ');
  const conns = (await c.inNs(director, ['ipvsadm', '-Lnc'])).split('\n').filter((line) => ports.some((p) => line.includes(`:${p} `)));
  return `${director}: expire_nodest_conn ${await sysctl('expire_nodest_conn')}, conn_reuse_mode ${await sysctl('conn_reuse_mode')}, servers ${servers}; entries of the failed ports: ${conns.length ? conns.map((l) => l.trim().replace(/\s+/g, ' ')).join(' | ') : 'none'}`;
}

export const RUN_DRILL: Record<Drill, (c: ClusterLab) => Promise<Record<string, unknown>>> = {
  'director-drain': (c) => directorDrain(c),
  'director-loss': directorLoss,
  'real-server': realServer,
  'fullnat-drain': (c) => directorDrain(c, CLUSTER_FULLNAT_PORT, 'fullnat-drain'),
};

/** A drill's report in words. */
export function printDrill(r: Record<string, unknown>): void {
  const line = (text: string) => console.log(`  ${text}`);
  console.log(`\n== ${r.drill}${r.director ? ` (${r.director})` : r.server ? ` (${r.server})` : ''}`);
  if (r.drill === 'real-server') {
    line(`${r.changedServer} of ${r.flows} flows changed real server (${r.onLostServer} were on ${r.server}; ${r.changedNotOnLost} others moved); ${r.failedBefore} failed before the loss, ${r.failedAfter} after`);
    line(`once ${r.server} was back, ${r.orderKept} of ${CLUSTER_DIRECTORS.length} directors listed the servers in the order they had before${r.ordersAlike ? ', all alike' : ', not all alike'}`);
    for (const d of (r.diagnosis as string[] | undefined) ?? []) line(d);
    return;
  }
  const n = r.newRequests as { answered: number; failed: number };
  line(`the router dropped ${r.director} ${r.routerDropMs} ms after the ${r.drill === 'director-loss' ? 'cut' : 'drain'}`);
  line(`new connections: ${n.answered} answered, ${n.failed} failed`);
  line(`established flows: ${r.survivedElsewhere} of ${r.elsewhere} through the other directors survived; ${r.survivedOnDirector} of ${r.onDirector} through ${r.director} survived, on the same real server`);
  if (r.drainReport) line(`drain-director said: ${r.drainReport}`);
}


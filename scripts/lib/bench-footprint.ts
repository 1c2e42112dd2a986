/*
 * scripts/bench footprint: what a director costs in memory, and how soon it speaks after a start.
 *
 * Memory of the whole process tree (tandem: node and its pre-forked `ip` and `arping` helpers;
 * Keepalived: its parent and children), from /proc/PID/smaps_rollup: RSS (what `ps` shows; it
 * counts the shared pages of the program's binary and libraries in full), PSS (those shared
 * pages divided among the processes that map them) and USS (private pages: what stopping the
 * process gives back). Sampled every second, the largest kept. Cases: a master idle (one
 * instance, 0.1 s adverts, a peer), Keepalived with the same instance as the yardstick, and
 * tandem checking 1,000 real servers over TCP every second (IPVS in --dry-run: this host has
 * none). `node -e` with nothing loaded is shown too: the floor of any Node.js daemon.
 *
 * Start-up: from the spawn to the first advert on the wire (tcpdump on the peer's side), and to
 * the first master advert of a director alone.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Lab, removeStaleNamespaces, requireRoot, waitFor } from '../../test/support/netns.js';
import type { Spawned } from '../../test/support/netns.js';
import { ROOT, TANDEM, TandemNodes, pairConfig, webService } from '../../test/support/pair.js';
import { BenchPair, type Director, type Impl, sleep } from './bench-pair.js';

interface Memory {
  /** RSS of the daemon's own process, without its helpers. */
  own: number;
  rss: number;
  pss: number;
  uss: number;
  processes: number;
}

/** The pids of a process and all its descendants. */
async function tree(pid: number): Promise<number[]> {
  const out = [pid];
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => []);
  for (const task of tasks) {
    const children = (await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '')).trim();
    for (const child of children ? children.split(/\s+/).map(Number) : []) out.push(...(await tree(child)));
  }
  return out;
}

async function memoryOf(pid: number): Promise<Memory> {
  const total: Memory = { own: 0, rss: 0, pss: 0, uss: 0, processes: 0 };
  for (const p of await tree(pid)) {
    const text = await readFile(`/proc/${p}/smaps_rollup`, 'utf8').catch(() => '');
    if (!text) continue;
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    if (p === pid) total.own = kb('Rss');
    total.rss += kb('Rss');
    total.pss += kb('Pss');
    total.uss += kb('Private_Clean') + kb('Private_Dirty');
    total.processes += 1;
  }
  return total;
}

/** The largest of each figure over `seconds` of one-second samples (MB). */
async function sample(pid: () => Promise<number>, seconds: number): Promise<Memory> {
  const most: Memory = { own: 0, rss: 0, pss: 0, uss: 0, processes: 0 };
  for (let i = 0; i < seconds; i++) {
    const m = await memoryOf(await pid());
    for (const k of Object.keys(most) as (keyof Memory)[]) most[k] = Math.max(most[k], m[k]);
    await sleep(1000);
  }
  const mb = (kb: number) => Math.round(kb / 102.4) / 10;
  return { own: mb(most.own), rss: mb(most.rss), pss: mb(most.pss), uss: mb(most.uss), processes: most.processes };
}

/** tcpdump (with the packets in hex) on the peer's link, of the adverts from one source. */
class AdvertDump {
  private constructor(private readonly dump: Spawned) {}
  static start(lab: Lab, host: string, source: string): AdvertDump {
    return new AdvertDump(lab.spawn(host, ['tcpdump', '-l', '-n', '-tt', '-x', '--immediate-mode', '-i', 'eth0', `src ${source} and dst 224.0.0.18`]));
  }
  async ready(): Promise<void> {
    await waitFor('tcpdump to listen', () => Promise.resolve(this.dump.output().includes('listening on')), 10_000, 20);
  }
  /** Each packet's time (epoch ms) and bytes (from the IP header on). */
  async stop(): Promise<{ at: number; bytes: number[] }[]> {
    this.dump.process.kill('SIGINT');
    await this.dump.process;
    const packets: { at: number; bytes: number[] }[] = [];
    for (const line of this.dump.output().split('\n')) {
      if (/^\d+\.\d+ IP/.test(line)) packets.push({ at: Number(line.slice(0, line.indexOf(' '))) * 1000, bytes: [] });
      const hex = /^\s+0x[0-9a-f]+:\s+((?:[0-9a-f]{4}\s?)+)/.exec(line)?.[1];
      if (hex && packets.length) (packets.at(-1) as { bytes: number[] }).bytes.push(...(hex.replace(/\s/g, '').match(/../g) ?? []).map((b) => parseInt(b, 16)));
    }
    return packets;
  }
}

/**
 * A master's advert with a priority above 0: Keepalived's VRRPv3 (IP protocol 112; only a
 * master sends), or tandem's over UDP (payload "TD", version, type 1 = master, vrid, priority).
 */
function isMasterAdvert(bytes: number[]): boolean {
  if (bytes[9] === 112) return (bytes[22] ?? 0) > 0;
  const payload = bytes.slice(28);
  return payload[0] === 0x54 && payload[1] === 0x44 && payload[3] === 1 && (payload[5] ?? 0) > 0;
}

async function startupTimes(pair: BenchPair, lab: Lab, impl: Impl, alone: Director): Promise<{ first: number; master: number }> {
  const dump = AdvertDump.start(lab, 'dir2', '192.0.2.1');
  await dump.ready();
  const spawnedAt = Date.now();
  await pair.start(impl, alone, 0.1);
  await waitFor('the director to hold the VIP', () => pair.hasVip('dir1'), 20_000, 10);
  await sleep(500);
  const packets = await dump.stop();
  await pair.down(impl, [alone]);
  const first = packets[0]?.at;
  const master = packets.find((p) => isMasterAdvert(p.bytes))?.at;
  if (first === undefined || master === undefined) throw new Error(`${impl}: no advert seen`);
  return { first: Math.round(first - spawnedAt), master: Math.round(master - spawnedAt) };
}

async function footprint(seconds: number, servers: number): Promise<void> {
  await removeStaleNamespaces(/^tdfoot-/);
  const lab = await Lab.create(
    [
      { name: 'dir1', address: '192.0.2.1/24' },
      { name: 'dir2', address: '192.0.2.2/24' },
    ],
    'tdfoot',
  );
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-footprint-'));
  const nodes = await TandemNodes.create(lab);
  nodes.logLevel = 'info';
  // As /usr/bin/tandem runs: through its #! line, with the V8 flags it sets.
  nodes.command = [TANDEM];
  const pair = new BenchPair(lab, nodes, dir);
  const PAIR: Director[] = [
    { host: 'dir1', priority: 150 },
    { host: 'dir2', priority: 100 },
  ];
  const rows: [string, Memory][] = [];
  try {
    const floor = lab.spawn('dir1', [process.execPath, '-e', 'setTimeout(() => {}, 600000)']);
    await sleep(2000);
    rows.push(['node -e (nothing loaded)', await sample(async () => floor.process.pid as number, 5)]);
    floor.process.kill('SIGTERM');
    await floor.process;

    for (const impl of ['keepalived', 'tandem'] as Impl[]) {
      await pair.up(impl, PAIR, 0.1);
      await sleep(5000);
      const pid = async () => pair.mainPid(impl, 'dir1');
      rows.push([`${impl} master, idle`, await sample(pid, seconds)]);
      await pair.down(impl, PAIR);
    }

    const rs = lab.spawn('dir1', [process.execPath, path.join(ROOT, 'test/support/http-rs.mjs'), '8080', 'ok', 'rs']);
    await waitFor('real servers', () => Promise.resolve(rs.output().includes('ready')), 10_000);
    const real = Array.from({ length: servers }, (_, i) => ({ address: `127.1.${i >> 8}.${i & 255}`, port: 8080 }));
    const checked = pairConfig({ priority: 150, extra: { virtual_services: [webService({ type: 'tcp', interval: 1, timeout: 1 }, real)] } });
    await nodes.start('dir1', checked, undefined, ['--dry-run']);
    await waitFor('every server checked', async () => (await nodes.status('dir1')).services[0]?.servers.every((r) => r.checks > 0), 60_000, 500);
    await sleep(5000);
    rows.push([`tandem master, ${servers} TCP checks/s`, await sample(async () => nodes.daemons.get('dir1')?.process.pid as number, seconds)]);
    await nodes.kill('dir1', 'SIGTERM');

    const startups: [Impl, { first: number; master: number }[]][] = [];
    for (const impl of ['keepalived', 'tandem'] as Impl[]) {
      const runs: { first: number; master: number }[] = [];
      for (let i = 0; i < 5; i++) runs.push(await startupTimes(pair, lab, impl, { host: 'dir1', priority: 150 }));
      startups.push([impl, runs]);
    }

    console.log(`\nfootprint: largest of ${seconds} one-second samples, the whole process tree (MB)`);
    console.log('| process | RSS | PSS | USS (private) | processes | RSS of the main process alone |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const [name, m] of rows) console.log(`| ${name} | ${m.rss} | ${m.pss} | ${m.uss} | ${m.processes} | ${m.own} |`);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    console.log('\nstart-up, alone at 0.1 s adverts (median of 5 starts; ms from the spawn)');
    console.log('| daemon | first advert | first master advert |');
    console.log('| --- | --- | --- |');
    for (const [impl, runs] of startups) console.log(`| ${impl} | ${median(runs.map((r) => r.first))} | ${median(runs.map((r) => r.master))} |`);
  } finally {
    await lab.destroy();
    await nodes.cleanup();
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  requireRoot();
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '20' }, servers: { type: 'string', default: '1000' } } });
  await footprint(Number(values.seconds), Number(values.servers));
}

main().catch((err: Error) => {
  console.error(`scripts/bench footprint: ${err.message}`);
  process.exitCode = 1;
});


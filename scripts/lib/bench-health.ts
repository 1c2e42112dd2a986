/*
 * scripts/bench health: the cost of 1,000 HTTP health checks a second, and how fast a dead real
 * server leaves the table.
 *
 * A pair (dir1 master, dir2 backup, 100 ms adverts) with IPVS in --dry-run (the host kernel has
 * no IPVS). The yardstick, measured in the same run: the same master with no checks. Then dir1
 * checks 1,000 real servers (127.1.x.y:8080 on its loopback, one node HTTP server answering
 * all of them) every second. For each: the daemon's CPU per second, its worst event-loop delay
 * p99 over 10 s windows, its resident memory, the adverts' arrival gaps at a listener on the
 * link, and the VRRP transitions (spurious failovers). Then a real server (127.2.0.1:8081) is
 * killed --deaths times: the time from its death to the log line that takes it out, next to
 * interval x fall.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import type { DaemonStatus } from '../../src/daemon/daemon.js';
import { Lab, removeStaleNamespaces, requireRoot, waitFor } from '../../test/support/netns.js';
import type { Spawned } from '../../test/support/netns.js';
import { KEY, ROOT, TANDEM, pairConfig, webService } from '../../test/support/pair.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RS_SCRIPT = path.join(ROOT, 'test/support/http-rs.mjs');
const INTERVAL = 1;
const FALL = 3;

interface Figures {
  cpuPercent: number;
  loopP99Ms: number;
  loopMaxMs: number;
  rssMb: number;
  heapMb: number;
  adverts: { count: number; p50: number; p99: number; max: number };
  transitions: number;
}

class Bench {
  private readonly daemons = new Map<string, Spawned>();
  constructor(
    readonly lab: Lab,
    readonly dir: string,
  ) {}

  stateDir(host: string): string {
    return path.join(this.dir, host);
  }

  async start(host: string, config: Record<string, unknown>): Promise<Spawned> {
    const file = path.join(this.dir, `${host}.yaml`);
    await writeFile(file, stringify(config));
    const d = this.lab.spawn(host, [process.execPath, TANDEM, 'run', '--config', file, '--state-dir', this.stateDir(host), '--dry-run'], {
      TANDEM_KEY: KEY,
      TANDEM_LOG_LEVEL: 'info',
      PATH: process.env.PATH ?? '/usr/bin:/bin',
    });
    this.daemons.set(host, d);
    try {
      await waitFor(`tandem on ${host}`, () => this.status(host).then(() => true), 30_000, 100);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${d.output().slice(-3000)}`, { cause: err });
    }
    return d;
  }

  async stop(host: string): Promise<void> {
    const d = this.daemons.get(host);
    if (!d) return;
    d.process.kill('SIGTERM');
    await d.process;
    this.daemons.delete(host);
  }

  async status(host: string): Promise<DaemonStatus> {
    return JSON.parse(await this.lab.exec(host, [process.execPath, TANDEM, 'status', '--json', '--state-dir', this.stateDir(host)])) as DaemonStatus;
  }

  async transitions(): Promise<number> {
    let n = 0;
    for (const host of this.daemons.keys()) n += (await this.status(host)).instances.reduce((sum, i) => sum + i.transitions, 0);
    return n;
  }

  /** Measures dir1 for `seconds`: CPU, loop delay (worst 10 s window), memory, advert gaps, transitions. */
  async measure(seconds: number): Promise<Figures> {
    const listener = this.lab.spawn('mon', [process.execPath, path.join(ROOT, 'scripts/lib/advert-listen.mjs'), String(seconds), '192.0.2.1', '192.0.2.60']);
    await waitFor('advert listener', () => Promise.resolve(listener.output().includes('listening')), 10_000);
    const transitionsBefore = await this.transitions();
    const first = await this.status('dir1');
    const t0 = performance.now();
    let loopP99 = 0;
    let loopMax = 0;
    let rss = 0;
    let heap = 0;
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      await sleep(Math.min(10_000, end - Date.now()));
      const s = await this.status('dir1');
      loopP99 = Math.max(loopP99, s.process.eventLoopDelayMs?.p99 ?? 0);
      loopMax = Math.max(loopMax, s.process.eventLoopDelayMs?.max ?? 0);
      rss = Math.max(rss, s.process.rssBytes);
      heap = Math.max(heap, s.process.heapUsedBytes);
    }
    const last = await this.status('dir1');
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = (s: DaemonStatus) => s.process.cpuSeconds.user + s.process.cpuSeconds.system;
    await listener.process;
    const adverts = JSON.parse(listener.output().trim().split('\n').at(-1) as string) as Figures['adverts'];
    return {
      cpuPercent: Math.round(((cpu(last) - cpu(first)) / elapsed) * 1000) / 10,
      loopP99Ms: loopP99,
      loopMaxMs: loopMax,
      rssMb: Math.round(rss / 1048576),
      heapMb: Math.round(heap / 1048576),
      adverts,
      transitions: (await this.transitions()) - transitionsBefore,
    };
  }
}

function checkedConfig(servers: number): Record<string, unknown> {
  const real = Array.from({ length: servers }, (_, i) => ({ address: `127.1.${i >> 8}.${i & 255}`, port: 8080 }));
  real.push({ address: '127.2.0.1', port: 8081 });
  return pairConfig({
    priority: 150,
    extra: {
      virtual_services: [
        webService({ type: 'http', path: '/', body_match: '^rs', interval: INTERVAL, timeout: 1, fall: FALL }, real),
      ],
    },
  });
}

/** The pino line's time (epoch ms) of the first log message matching `pattern` after `since`. */
function logTime(d: Spawned, pattern: RegExp, since: number): number | undefined {
  for (const line of d.output().split('\n')) {
    if (!pattern.test(line)) continue;
    const time = (JSON.parse(line) as { time: number }).time;
    if (time >= since) return time;
  }
  return undefined;
}

function startVictim(lab: Lab): Promise<Spawned> {
  const victim = lab.spawn('dir1', [process.execPath, RS_SCRIPT, '8081', 'ok', 'rs-victim']);
  return waitFor('victim listening', () => Promise.resolve(victim.output().includes('ready') && victim), 10_000);
}

/** Kills the victim `count` times; each time, the ms from its death to the log line that takes it out. */
async function deaths(lab: Lab, daemon: Spawned, first: Spawned, count: number): Promise<number[]> {
  const times: number[] = [];
  let victim = first;
  for (let i = 0; i < count; i++) {
    // Die at a random point of the check interval, as real servers do.
    await sleep(1000 + Math.random() * INTERVAL * 1000);
    victim.process.kill('SIGKILL');
    await victim.process;
    const diedAt = Date.now();
    const removedAt = await waitFor('victim taken out', () => Promise.resolve(logTime(daemon, /real server 127\.2\.0\.1:8081 of web is down/, diedAt)), 15_000, 20);
    times.push(removedAt - diedAt);
    console.log(`  death ${i + 1}/${count}: out of the table after ${removedAt - diedAt} ms`);
    victim = await startVictim(lab);
    const upSince = Date.now();
    await waitFor('victim back', () => Promise.resolve(logTime(daemon, /real server 127\.2\.0\.1:8081 of web is up/, upSince) !== undefined), 15_000, 50);
  }
  return times;
}

async function main(): Promise<void> {
  requireRoot();
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, servers: { type: 'string', default: '1000' }, deaths: { type: 'string', default: '5' } } });
  const seconds = Number(values.seconds);
  const servers = Number(values.servers);
  await removeStaleNamespaces(/^tdhealth-/);
  const lab = await Lab.create(
    [
      { name: 'dir1', address: '192.0.2.1/24' },
      { name: 'dir2', address: '192.0.2.2/24' },
      { name: 'mon', address: '192.0.2.60/24' },
    ],
    'tdhealth',
  );
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-bench-health-'));
  const bench = new Bench(lab, dir);
  try {
    lab.spawn('dir1', [process.execPath, RS_SCRIPT, '8080', 'ok', 'rs']);
    const victim = await startVictim(lab);
    await bench.start('dir2', pairConfig({ priority: 100 }));
    console.log(`health: yardstick, the master with no checks, ${seconds} s ...`);
    await bench.start('dir1', pairConfig({ priority: 150 }));
    await sleep(3000);
    const idle = await bench.measure(seconds);
    await bench.stop('dir1');
    console.log(`health: the master checking ${servers} real servers over HTTP every ${INTERVAL} s, ${seconds} s ...`);
    const loadedWith = async (): Promise<{ daemon: Spawned; figures: Figures; checks: number }> => {
      const daemon = await bench.start('dir1', checkedConfig(servers));
      await waitFor('all checks run', async () => (await bench.status('dir1')).services[0]?.servers.every((r) => r.checks > 0), 30_000, 500);
      await sleep(10_000);
      const figures = await bench.measure(seconds);
      const checks = (await bench.status('dir1')).services[0]?.servers.reduce((n, r) => n + r.checks, 0) ?? 0;
      return { daemon, figures, checks };
    };
    const { daemon, figures: loaded, checks } = await loadedWith();
    console.log(`health: a real server killed ${values.deaths} times (interval ${INTERVAL} s, fall ${FALL}) ...`);
    const removal = await deaths(lab, daemon, victim, Number(values.deaths));
    const row = (name: string, f: Figures) =>
      `${name.padEnd(24)}${`${f.cpuPercent}%`.padEnd(10)}${`${f.loopP99Ms} ms`.padEnd(12)}${`${f.loopMaxMs} ms`.padEnd(12)}${`${f.rssMb}/${f.heapMb} MB`.padEnd(12)}${`${f.adverts.p50}/${f.adverts.p99}/${f.adverts.max} ms`.padEnd(22)}${f.transitions}`;
    console.log(`\nhealth checks: dir1's daemon over ${seconds} s (${checks} checks run by then)`);
    console.log(`${''.padEnd(24)}CPU/s     loop p99    loop max    RSS/heap    advert gap p50/p99/max  transitions`);
    console.log(row('no checks (yardstick)', idle));
    console.log(row(`${servers} HTTP checks/s`, loaded));
    const ratio = (a: number, b: number) => (b ? (a / b).toFixed(2) : 'n/a');
    const f = loaded;
    console.log(`ratio (checks / none): cpu ${ratio(f.cpuPercent, idle.cpuPercent)}, loop p99 ${ratio(f.loopP99Ms, idle.loopP99Ms)}, rss ${ratio(f.rssMb, idle.rssMb)}, advert gap max ${ratio(f.adverts.max, idle.adverts.max)}`);
    const sorted = [...removal].sort((a, b) => a - b);
    const target = INTERVAL * FALL * 1000;
    console.log(
      `death to removal: median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted.at(-1)} ms; interval x fall = ${target} ms (ratio of max ${ratio(sorted.at(-1) ?? 0, target)})`,
    );
  } finally {
    await lab.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(`scripts/bench health: ${err.message}`);
  process.exitCode = 1;
});

/*
 * scripts/bench checks (inside the real-IPVS kernel: scripts/vm): how fast a dead real server
 * leaves the IPVS table and comes back, Keepalived and tandem with the same keepalived.conf, in
 * one boot, one after the other on the same namespaces.
 *
 * A director namespace and two real servers (node HTTP servers) on a bridge. The config is the
 * one the importer's issue measured: HTTP_GET, delay_loop 1, connect_timeout 1, retry 1,
 * delay_before_retry 1, two real servers, no VRRP (a checker-only director). Keepalived runs
 * it with -C; tandem runs what `tandem import-keepalived` makes of it. Then, --deaths times:
 * 0.2 s after a check reached rs1 (so the death falls at the same point of the check cycle for
 * both, and the figures compare what each does, not where the death fell: the next check
 * fails 0.8 s later, the retry 1 s after that), rs1 closes its port (connections refused, as
 * when the server dies); the time until rs1 is gone from the kernel's table is the removal
 * time, ideally 1.8 s. After a random 0-1 s it opens its port again; the time until it is back
 * is the return time. The table is read from /proc/PID/net/ip_vs of a
 * process in the director's namespace every 1 ms: no command is forked for it (a fork costs
 * ~0.1 s in this guest, and would load both daemons' checks alike but unevenly).
 */
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { importKeepalived } from '../../src/config/keepalived/import.js';
import { Lab, removeStaleNamespaces, requireRoot, waitFor } from '../../test/support/netns.js';
import type { Spawned } from '../../test/support/netns.js';
import { ROOT, TANDEM } from '../../test/support/pair.js';

type Impl = 'keepalived' | 'tandem';

const VIP = '10.0.0.100';
const RS = ['10.0.0.11', '10.0.0.12'];
const RS_SCRIPT = path.join(ROOT, 'test/support/http-rs.mjs');
const POLL_MS = 1;
const SETTLE_MS = 60_000;
const CHANGE_MS = 30_000;
const DEATH_AFTER_CHECK_MS = 200;

const KEEPALIVED_CONF = `virtual_server ${VIP} 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
${RS.map(
  (a) => `    real_server ${a} 80 {
        weight 1
        HTTP_GET {
            url {
                path /
                status_code 200
            }
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }`,
).join('\n')}
}
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The real servers of a service in /proc/net/ip_vs (addresses in hex: 0A00000B:0050). */
function serversIn(table: string): Set<string> {
  const out = new Set<string>();
  for (const line of table.split('\n')) {
    const m = /^\s+->\s+([0-9A-F]{8}):([0-9A-F]{4})\s/.exec(line);
    if (!m) continue;
    const hex = m[1] as string;
    out.add([0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.'));
  }
  return out;
}

interface Figures {
  removalMs: number[];
  returnMs: number[];
}

class Bench {
  private anchor?: Spawned;
  private readonly servers = new Map<string, Spawned>();

  constructor(
    private readonly lab: Lab,
    private readonly dir: string,
  ) {}

  async setUp(): Promise<void> {
    // A process that stays in the director's namespace: its /proc/PID/net/ip_vs is that namespace's table.
    this.anchor = this.lab.spawn('dir', ['sleep', '3600']);
    for (const [i, address] of RS.entries()) {
      const host = `rs${i + 1}`;
      await this.lab.exec(host, ['ip', 'route', 'add', 'default', 'via', '10.0.0.1']);
      const s = this.lab.spawn(host, [process.execPath, RS_SCRIPT, '80', 'ok', address], { HTTP_RS_LOG: '1', PATH: process.env.PATH ?? '/usr/bin:/bin' });
      this.servers.set(host, s);
      await waitFor(`${host}'s HTTP server`, async () => s.output().includes('ready'), SETTLE_MS, 50);
    }
  }

  async table(): Promise<Set<string>> {
    return serversIn(await readFile(`/proc/${this.anchor?.process.pid}/net/ip_vs`, 'utf8'));
  }

  /** Waits until rs1 is in the table (or out of it); returns when, by the clock. */
  async until(present: boolean): Promise<number> {
    const deadline = Date.now() + CHANGE_MS;
    while (Date.now() < deadline) {
      if ((await this.table()).has(RS[0] as string) === present) return Date.now();
      await sleep(POLL_MS);
    }
    throw new Error(`rs1 still ${present ? 'missing from' : 'in'} the table after ${CHANGE_MS / 1000} s`);
  }

  /** Waits for the next check to reach rs1, then `afterMs` more. */
  async afterCheck(afterMs: number): Promise<void> {
    const s = this.servers.get('rs1') as Spawned;
    const hits = s.output().split('hit').length;
    await waitFor('a check to reach rs1', async () => s.output().split('hit').length > hits, 10_000, 2);
    await sleep(afterMs);
  }

  /** Closes (SIGUSR1) or opens (SIGUSR2) rs1's port and waits for it to say so. */
  async toggle(open: boolean): Promise<number> {
    const s = this.servers.get('rs1') as Spawned;
    const word = open ? 'ready' : 'closed';
    const seen = s.output().split(word).length;
    s.process.kill(open ? 'SIGUSR2' : 'SIGUSR1');
    await waitFor(`rs1 to print ${word}`, async () => s.output().split(word).length > seen, 10_000, 2);
    return Date.now();
  }

  async start(impl: Impl): Promise<Spawned> {
    const conf = path.join(this.dir, 'keepalived.conf');
    await writeFile(conf, KEEPALIVED_CONF);
    if (impl === 'keepalived') {
      const pid = (name: string) => path.join(this.dir, `keepalived-${name}.pid`);
      return this.lab.spawn('dir', ['keepalived', '-n', '-l', '-D', '-C', '-f', conf, '-p', pid('main'), '-c', pid('checkers')]);
    }
    const imported = importKeepalived(KEEPALIVED_CONF, conf);
    if (imported.problems.length) throw new Error(`the import failed: ${imported.problems.join('; ')}`);
    const yaml = path.join(this.dir, 'tandem.yaml');
    await writeFile(yaml, imported.yaml);
    return this.lab.spawn('dir', [process.execPath, TANDEM, 'run', '--config', yaml, '--state-dir', path.join(this.dir, 'state')], {
      TANDEM_LOG_LEVEL: 'info',
      PATH: process.env.PATH ?? '/usr/bin:/bin',
    });
  }

  async measure(impl: Impl, deaths: number): Promise<Figures> {
    const daemon = await this.start(impl);
    const figures: Figures = { removalMs: [], returnMs: [] };
    try {
      await waitFor(`${impl} to put both real servers in the table`, async () => (await this.table()).size === RS.length, SETTLE_MS, 50);
      for (let i = 0; i < deaths; i++) {
        await this.afterCheck(DEATH_AFTER_CHECK_MS);
        const died = await this.toggle(false);
        figures.removalMs.push((await this.until(false)) - died);
        await sleep(Math.random() * 1000);
        const back = await this.toggle(true);
        figures.returnMs.push((await this.until(true)) - back);
        const decided = impl === 'tandem' ? await decisions(daemon.output, died, back) : '';
        console.log(`${impl}: death ${i + 1}: out after ${figures.removalMs.at(-1)} ms, back after ${figures.returnMs.at(-1)} ms${decided}`);
      }
    } catch (err) {
      console.log(`${impl}'s output:\n${daemon.output().slice(-4000)}`);
      throw err;
    } finally {
      daemon.process.kill('SIGTERM');
      await daemon.process;
      await this.lab.exec('dir', ['ipvsadm', '-C']);
    }
    return figures;
  }
}

/**
 * Where tandem's time went: when its log said rs1 was down and up again (pino's `time`, the
 * same wall clock), after the death and the return.
 */
async function decisions(output: () => string, died: number, back: number): Promise<string> {
  // A change's log line is written once its table is in the kernel, so it may come just after
  // the table was seen changed: read again for up to a second.
  for (let tries = 0; tries < 50; tries++) {
    const said = loggedAt(output(), died, back);
    if (!said.includes('NaN')) return said;
    await sleep(20);
  }
  return loggedAt(output(), died, back);
}

function loggedAt(output: string, died: number, back: number): string {
  const lines = output.split('\n').filter((l) => l.includes(`real server ${RS[0]}:80 of`));
  const at = (word: string, after: number) => {
    for (const l of lines) {
      const entry = JSON.parse(l) as { time: number; msg: string };
      if (entry.time >= after && entry.msg.includes(` is ${word}`)) return entry.time - after;
    }
    return NaN;
  };
  return ` (its log said down after ${at('down', died)} ms, up after ${at('up', back)} ms)`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] as number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { deaths: { type: 'string', default: '8' } } });
  const deaths = Number(values.deaths);
  requireRoot();
  await removeStaleNamespaces();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-bench-checks-'));
  const lab = await Lab.create([
    { name: 'dir', address: '10.0.0.1/24' },
    { name: 'rs1', address: `${RS[0]}/24` },
    { name: 'rs2', address: `${RS[1]}/24` },
  ]);
  try {
    const bench = new Bench(lab, dir);
    await bench.setUp();
    const results = new Map<Impl, Figures>();
    for (const impl of ['keepalived', 'tandem'] as Impl[]) results.set(impl, await bench.measure(impl, deaths));
    const k = results.get('keepalived') as Figures;
    const t = results.get('tandem') as Figures;
    const row = (what: string, a: number[], b: number[]) =>
      `| ${what} | ${median(a)} ms (max ${Math.max(...a)}) | ${median(b)} ms (max ${Math.max(...b)}) | ${(median(b) / median(a)).toFixed(3)} |`;
    console.log(`\nA dead real server, ${deaths} deaths each, ${DEATH_AFTER_CHECK_MS / 1000} s after a check; HTTP_GET delay_loop 1, connect_timeout 1, retry 1, delay_before_retry 1 (medians; out ideally 1.8 s):\n`);
    console.log('| | Keepalived | tandem | ratio |');
    console.log('| --- | --- | --- | --- |');
    console.log(row('out of the table', k.removalMs, t.removalMs));
    console.log(row('back in the table', k.returnMs, t.returnMs));
  } finally {
    await lab.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();

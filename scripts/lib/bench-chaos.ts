/*
 * scripts/bench chaos: what a hostile link does to a pair, Keepalived and tandem side by side
 * in one run, on the same namespaces (two directors, a client and a rogue host on a bridge),
 * with 0.1 s adverts and the same priorities. Each scenario starts a fresh pair and watches:
 *   - VIP changes: addresses added to either director's eth0 after the pair settled
 *     (`ip monitor address`); every one is a spurious takeover or the return from one;
 *   - dual hold: time both directors held the VIP at once (total and longest);
 *   - the master's advert gaps as the client sees them on the wire (tcpdump), largest.
 * Scenarios: idle; random loss of the adverts the directors receive at 10/20/30% (nftables
 * numgen: this host's kernel has no netem); the master SIGSTOPped for 2 s; a flood of 100,000
 * junk packets at 5,000/s to the VRRP port or protocol; a second pair on the same VRID (another
 * key for tandem; Keepalived's VRRPv3 has none); the backup SIGKILLed and restarted every 2 s;
 * delay and jitter on both directors' links (netem: where the kernel has it, as the User-mode
 * Linux guest does: `scripts/bench chaos --vm`). A scenario that should not move the VIP and
 * does is a false failover.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Lab, removeStaleNamespaces, requireRoot } from '../../test/support/netns.js';
import type { Spawned } from '../../test/support/netns.js';
import { TandemNodes, VIP } from '../../test/support/pair.js';
import { BenchPair, type Director, IMPLS, type Impl, sleep } from './bench-pair.js';
import { run } from '../../test/support/programs.js';

const INTERVAL = 0.1;
const PAIR: Director[] = [
  { host: 'dir1', priority: 150 },
  { host: 'dir2', priority: 100 },
];
const NEIGHBOURS: Director[] = [
  { host: 'dir3', priority: 200, vip: '192.0.2.101', key: 'another-pair-key-0123456789abcdef' },
  { host: 'dir4', priority: 100, vip: '192.0.2.101', key: 'another-pair-key-0123456789abcdef' },
];
const MASTER_ADDRESS = '192.0.2.1';
const ROGUE_ADDRESS = '192.0.2.66';

interface Outcome {
  vipChanges: number;
  dualMs: number;
  dualMaxMs: number;
  advertGapMaxMs: number;
  note?: string;
}

/** `ip -ts monitor address` on each director: when the VIP came and went. */
class VipWatch {
  private constructor(private readonly watchers: Map<string, Spawned>) {}

  static start(lab: Lab, hosts: string[]): VipWatch {
    return new VipWatch(new Map(hosts.map((h) => [h, lab.spawn(h, ['ip', '-ts', 'monitor', 'address'])])));
  }

  async stop(): Promise<Map<string, { at: number; held: boolean }[]>> {
    const events = new Map<string, { at: number; held: boolean }[]>();
    for (const [host, w] of this.watchers) {
      w.process.kill('SIGTERM');
      await w.process;
      const lines = w.output().split('\n');
      const mine = lines.filter((l) => l.includes(` inet ${VIP}/`));
      events.set(host, mine.map((l) => ({ at: stampOf(l), held: !l.includes('] Deleted ') })));
    }
    return events;
  }
}

/** `[2026-11-23T08:45:31.749291] ...` as epoch ms (the local clock, as Date.now()). */
function stampOf(line: string): number {
  return new Date(line.slice(1, line.indexOf(']'))).getTime();
}

/** Changes and dual-hold time from the VIP events, given who held it when the watch began. */
export function vipTimeline(events: Map<string, { at: number; held: boolean }[]>, initialHolder: string, from: number, to: number): Omit<Outcome, 'advertGapMaxMs'> {
  const all = [...events].flatMap(([host, es]) => es.filter((e) => e.at >= from && e.at <= to).map((e) => ({ host, ...e }))).sort((a, b) => a.at - b.at);
  const holding = new Set([initialHolder]);
  let vipChanges = 0;
  let dualMs = 0;
  let dualMaxMs = 0;
  let dualSince: number | undefined;
  for (const e of all) {
    if (e.held && !holding.has(e.host)) vipChanges++;
    if (e.held) holding.add(e.host);
    else holding.delete(e.host);
    if (holding.size > 1 && dualSince === undefined) dualSince = e.at;
    if (holding.size <= 1 && dualSince !== undefined) {
      dualMs += e.at - dualSince;
      dualMaxMs = Math.max(dualMaxMs, e.at - dualSince);
      dualSince = undefined;
    }
  }
  if (dualSince !== undefined) {
    dualMs += to - dualSince;
    dualMaxMs = Math.max(dualMaxMs, to - dualSince);
  }
  return { vipChanges, dualMs: Math.round(dualMs), dualMaxMs: Math.round(dualMaxMs) };
}

/** The client's view of the master's adverts: tcpdump's timestamps of dir1's VRRP packets. */
class AdvertWatch {
  private constructor(private readonly dump: Spawned) {}

  static start(lab: Lab): AdvertWatch {
    const filter = `src ${MASTER_ADDRESS} and dst 224.0.0.18 and (ip proto 112 or udp port 5798)`;
    return new AdvertWatch(lab.spawn('client', ['tcpdump', '-l', '-n', '-tt', '--immediate-mode', '-i', 'eth0', filter]));
  }

  async stop(from: number, to: number): Promise<number> {
    await sleep(200);
    this.dump.process.kill('SIGINT');
    await this.dump.process;
    const times = this.dump
      .output()
      .split('\n')
      .filter((l) => /^\d+\.\d+ IP /.test(l))
      .map((l) => Number(l.slice(0, l.indexOf(' '))) * 1000)
      .filter((t) => t >= from && t <= to);
    let max = 0;
    for (let i = 1; i < times.length; i++) max = Math.max(max, (times[i] as number) - (times[i - 1] as number));
    return Math.round(max);
  }
}

async function nft(lab: Lab, host: string, script: string): Promise<void> {
  await run('ip', ['netns', 'exec', lab.ns(host), 'nft', '-f', '-'], { input: script, timeout: 10_000 });
}

/** Drops that share (per mille) of the adverts a director receives. */
async function loseAdverts(lab: Lab, host: string, perMille: number): Promise<void> {
  await nft(lab, host, `table inet chaos {
  chain input {
    type filter hook input priority raw; policy accept;
    ip daddr 224.0.0.18 numgen random mod 1000 < ${perMille} counter drop
  }
}
`);
}

async function droppedAdverts(lab: Lab, host: string): Promise<number> {
  const rules = await lab.exec(host, ['nft', 'list', 'table', 'inet', 'chaos']);
  return Number(/counter packets (\d+)/.exec(rules)?.[1] ?? 0);
}

async function healAdverts(lab: Lab, host: string): Promise<void> {
  await run('ip', ['netns', 'exec', lab.ns(host), 'nft', 'delete', 'table', 'inet', 'chaos'], { reject: false });
}

/** Junk datagrams (random bytes) to the VRRP group: UDP 5798 for tandem, IP protocol 112 for Keepalived. */
const FLOOD = `
import os, socket, sys, time
count, rate, proto = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
if proto == 'udp':
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dest = ('224.0.0.18', 5798)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
    dest = ('224.0.0.18', 0)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton('${ROGUE_ADDRESS}'))
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
start = time.monotonic()
for i in range(count):
    s.sendto(os.urandom(40), dest)
    ahead = start + (i + 1) / rate - time.monotonic()
    if ahead > 0:
        time.sleep(ahead)
print('sent', count)
`;

type Scenario = { name: string; netem?: boolean; run: (ctx: Context) => Promise<string | undefined> };
interface Context {
  impl: Impl;
  pair: BenchPair;
  lab: Lab;
  seconds: number;
}

function lossScenario(percent: number): Scenario {
  return {
    name: `loss ${percent}%`,
    run: async ({ lab, seconds, impl, pair }) => {
      for (const d of PAIR) await loseAdverts(lab, d.host, percent * 10);
      let dropped: number;
      try {
        await sleep(seconds * 1000);
      } finally {
        dropped = await droppedAdverts(lab, 'dir2');
        for (const d of PAIR) await healAdverts(lab, d.host);
      }
      const note = `dir2 dropped ${dropped} adverts`;
      if (impl !== 'tandem') return note;
      const i = await pair.nodes.instance('dir2');
      return `${note}, measured ${Math.round(i.advertLoss * 100)}% loss, waits ${i.masterDownMs} ms`;
    },
  };
}

/** Delays what both directors send (netem on their eth0), for the scenario's time. */
function netemScenario(name: string, netem: string[]): Scenario {
  return {
    name,
    netem: true,
    run: async ({ lab, seconds }) => {
      for (const d of PAIR) await lab.exec(d.host, ['tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'netem', ...netem]);
      try {
        await sleep(seconds * 1000);
      } finally {
        for (const d of PAIR) await run('ip', ['netns', 'exec', lab.ns(d.host), 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root'], { reject: false });
      }
      return `netem ${netem.join(' ')}`;
    },
  };
}

async function hasNetem(lab: Lab): Promise<boolean> {
  const probe = await run('ip', ['netns', 'exec', lab.ns('client'), 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'], { reject: false });
  await run('ip', ['netns', 'exec', lab.ns('client'), 'tc', 'qdisc', 'del', 'dev', 'lo', 'root'], { reject: false });
  return probe.exitCode === 0;
}

const SCENARIOS: Scenario[] = [
  { name: 'idle', run: async ({ seconds }) => void (await sleep(seconds * 1000)) },
  lossScenario(10),
  lossScenario(20),
  lossScenario(30),
  {
    name: 'master SIGSTOP 2 s',
    run: async ({ impl, pair }) => {
      const pid = await pair.vrrpPid(impl, 'dir1');
      await sleep(1000);
      process.kill(pid, 'SIGSTOP');
      await sleep(2000);
      process.kill(pid, 'SIGCONT');
      await sleep(3000);
      return undefined;
    },
  },
  {
    name: 'flood 100,000 junk at 5,000/s',
    run: async ({ impl, lab }) => {
      const out = await lab.exec('rogue', ['python3', '-c', FLOOD, '100000', '5000', impl === 'tandem' ? 'udp' : 'raw'], 60_000);
      await sleep(1000);
      return out.trim();
    },
  },
  {
    name: 'same-VRID neighbours',
    run: async ({ impl, pair, seconds }) => {
      await pair.up(impl, NEIGHBOURS, INTERVAL);
      try {
        await sleep(seconds * 1000);
      } finally {
        await pair.down(impl, NEIGHBOURS);
      }
      return undefined;
    },
  },
  {
    name: 'backup SIGKILL every 2 s, 30 s',
    run: async ({ impl, pair }) => {
      for (let round = 0; round < 15; round++) {
        const began = Date.now();
        await pair.stop(impl, 'dir2', 'SIGKILL');
        await sleep(300);
        await pair.start(impl, PAIR[1] as Director, INTERVAL);
        await sleep(Math.max(0, 2000 - (Date.now() - began)));
      }
      return undefined;
    },
  },
  netemScenario('delay 50 ms', ['delay', '50ms']),
  netemScenario('jitter 100 ms +- 80 ms', ['delay', '100ms', '80ms', 'distribution', 'normal']),
];

async function measure(ctx: Context, scenario: Scenario): Promise<Outcome> {
  await ctx.pair.up(ctx.impl, PAIR, INTERVAL);
  const vips = VipWatch.start(ctx.lab, PAIR.map((d) => d.host));
  const adverts = AdvertWatch.start(ctx.lab);
  await sleep(500);
  const from = Date.now();
  let note: string | undefined;
  let outcome!: Outcome;
  try {
    note = await scenario.run(ctx);
  } finally {
    const to = Date.now();
    const advertGapMaxMs = await adverts.stop(from, to);
    const timeline = vipTimeline(await vips.stop(), 'dir1', from, to);
    await ctx.pair.down(ctx.impl, PAIR);
    outcome = { ...timeline, advertGapMaxMs, note };
  }
  return outcome;
}

async function chaos(seconds: number, only: string[]): Promise<void> {
  await removeStaleNamespaces(/^tdchaos-/);
  const lab = await Lab.create(
    [
      { name: 'dir1', address: '192.0.2.1/24' },
      { name: 'dir2', address: '192.0.2.2/24' },
      { name: 'dir3', address: '192.0.2.3/24' },
      { name: 'dir4', address: '192.0.2.4/24' },
      { name: 'client', address: '192.0.2.50/24' },
      { name: 'rogue', address: `${ROGUE_ADDRESS}/24` },
    ],
    'tdchaos',
  );
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-chaos-'));
  const nodes = await TandemNodes.create(lab);
  nodes.logLevel = 'info';
  const pair = new BenchPair(lab, nodes, dir);
  const rows: { scenario: string; outcomes: Map<Impl, Outcome> }[] = [];
  try {
    const netem = await hasNetem(lab);
    for (const scenario of SCENARIOS.filter((s) => !only.length || only.some((o) => s.name.startsWith(o)))) {
      if (scenario.netem && !netem) {
        console.log(`${scenario.name.padEnd(32)} skipped: this kernel has no netem (scripts/bench chaos --vm runs it in the User-mode Linux guest)`);
        continue;
      }
      const outcomes = new Map<Impl, Outcome>();
      for (const impl of IMPLS) {
        const o = await measure({ impl, pair, lab, seconds }, scenario);
        outcomes.set(impl, o);
        console.log(`${scenario.name.padEnd(32)} ${impl.padEnd(10)} VIP changes ${o.vipChanges}, dual hold ${o.dualMs} ms (longest ${o.dualMaxMs}), advert gap max ${o.advertGapMaxMs} ms${o.note ? `; ${o.note}` : ''}`);
      }
      rows.push({ scenario: scenario.name, outcomes });
    }
  } finally {
    await lab.destroy();
    await nodes.cleanup();
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`\nchaos: 0.1 s adverts, ${seconds} s per timed scenario; VIP changes / dual hold ms (longest) / master's largest advert gap ms`);
  console.log('| scenario | Keepalived | tandem |');
  console.log('| --- | --- | --- |');
  for (const r of rows) {
    const cell = (o: Outcome | undefined) => (o ? `${o.vipChanges} / ${o.dualMs} (${o.dualMaxMs}) / ${o.advertGapMaxMs}` : '-');
    console.log(`| ${r.scenario} | ${cell(r.outcomes.get('keepalived'))} | ${cell(r.outcomes.get('tandem'))} |`);
  }
}

async function main(): Promise<void> {
  requireRoot();
  const { values } = parseArgs({
    allowPositionals: true,
    // --only NAME[,NAME...]: the scenarios whose names start so.
    options: { seconds: { type: 'string', default: '120' }, only: { type: 'string' } },
  });
  await chaos(Number(values.seconds), values.only ? values.only.split(',') : []);
}

main().catch((err: Error) => {
  console.error(`scripts/bench chaos: ${err.message}`);
  process.exitCode = 1;
});

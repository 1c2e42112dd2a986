/*
 * scripts/bench failover: Keepalived and tandem side by side, in one run, on the same
 * namespace topology (two directors and a client on a bridge) with the same priorities and
 * advert interval. A client pings the VIP every 10 ms; the largest gap between replies is the
 * failover time, and the echo requests lost are counted. Cases: the master's link cut at the
 * switch, and the master stopped with SIGTERM; at advert intervals 0.1 s and 1 s.
 *
 * scripts/bench soak: a tandem pair with 20 ms adverts for --soak-seconds (600 by default),
 * counting the VRRP transitions after the election (spurious failovers).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Lab, ip, removeStaleNamespaces, requireRoot, waitFor } from '../../test/support/netns.js';
import { PingProbe, TandemNodes, VIP, pairConfig } from '../../test/support/pair.js';
import { BenchPair, type Director, type Impl, sleep } from './bench-pair.js';

type Case = 'link' | 'sigterm';
const PAIR: Director[] = [
  { host: 'dir1', priority: 150 },
  { host: 'dir2', priority: 100 },
];

interface Sample {
  impl: Impl;
  case: Case;
  interval: number;
  maxGapMs: number;
  lost: number;
}

async function measure(pair: BenchPair, lab: Lab, impl: Impl, kase: Case, interval: number): Promise<Sample> {
  await pair.up(impl, PAIR, interval);
  const probe = PingProbe.start(lab, 'client', VIP, 60);
  let result: { maxGapMs: number; lost: number };
  try {
    await sleep(1000);
    if (kase === 'link') await lab.cutLink('dir1');
    else await pair.stop(impl, 'dir1', 'SIGTERM');
    await waitFor('dir2 to take the VIP', () => pair.hasVip('dir2'), 20_000, 10);
    await sleep(1000);
  } finally {
    result = await probe.stop();
    await pair.down(impl, PAIR);
    await ip(['-n', lab.ns('client'), 'neigh', 'flush', 'all']);
  }
  return { impl, case: kase, interval, maxGapMs: result.maxGapMs, lost: result.lost };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : Math.round(((s[mid - 1] as number) + (s[mid] as number)) / 2);
}

async function failover(repeat: number): Promise<void> {
  await removeStaleNamespaces(/^tdbench-/);
  const lab = await Lab.create(
    [
      { name: 'dir1', address: '192.0.2.1/24' },
      { name: 'dir2', address: '192.0.2.2/24' },
      { name: 'client', address: '192.0.2.50/24' },
    ],
    'tdbench',
  );
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-bench-'));
  const nodes = await TandemNodes.create(lab);
  const pair = new BenchPair(lab, nodes, dir);
  const samples: Sample[] = [];
  try {
    for (let r = 1; r <= repeat; r++) {
      for (const kase of ['link', 'sigterm'] as Case[]) {
        for (const interval of [0.1, 1]) {
          for (const impl of ['keepalived', 'tandem'] as Impl[]) {
            const s = await measure(pair, lab, impl, kase, interval);
            samples.push(s);
            console.log(`run ${r}/${repeat} ${kase.padEnd(7)} advert ${String(interval).padEnd(3)} s ${impl.padEnd(10)} gap ${String(s.maxGapMs).padStart(5)} ms, lost ${s.lost}`);
          }
        }
      }
    }
  } finally {
    await lab.destroy();
    await nodes.cleanup();
    await rm(dir, { recursive: true, force: true });
  }
  console.log('\nfailover: largest gap in replies to a 10 ms ping of the VIP (median of runs; lost echo requests in brackets)');
  console.log('case      advert  keepalived        tandem            tandem/keepalived');
  for (const kase of ['link', 'sigterm'] as Case[]) {
    for (const interval of [0.1, 1]) {
      const pick = (impl: Impl) => samples.filter((s) => s.impl === impl && s.case === kase && s.interval === interval);
      const k = pick('keepalived');
      const t = pick('tandem');
      const km = median(k.map((s) => s.maxGapMs));
      const tm = median(t.map((s) => s.maxGapMs));
      const cell = (m: number, ss: Sample[]) => `${m} ms (${median(ss.map((s) => s.lost))})`.padEnd(18);
      console.log(`${kase.padEnd(10)}${`${interval} s`.padEnd(8)}${cell(km, k)}${cell(tm, t)}${(tm / km).toFixed(2)}`);
    }
  }
}

async function soak(seconds: number): Promise<void> {
  await removeStaleNamespaces(/^tdsoak-/);
  const lab = await Lab.create(
    [
      { name: 'dir1', address: '192.0.2.1/24' },
      { name: 'dir2', address: '192.0.2.2/24' },
    ],
    'tdsoak',
  );
  const nodes = await TandemNodes.create(lab);
  try {
    await nodes.start('dir1', pairConfig({ priority: 150, advertInterval: 0.02 }));
    await nodes.start('dir2', pairConfig({ priority: 100, advertInterval: 0.02 }));
    await nodes.waitState('dir1', 'MASTER');
    await nodes.waitState('dir2', 'BACKUP');
    const before = (await nodes.instance('dir1')).transitions + (await nodes.instance('dir2')).transitions;
    console.log(`soak: tandem pair, 20 ms adverts, ${seconds} s ...`);
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) await sleep(Math.min(10_000, end - Date.now()));
    const d1 = await nodes.instance('dir1');
    const d2 = await nodes.instance('dir2');
    const after = d1.transitions + d2.transitions;
    console.log(`soak: ${seconds} s at 20 ms adverts: ${after - before} transitions (dir1 ${d1.state}, dir2 ${d2.state})`);
    for (const host of ['dir1', 'dir2']) {
      const lines = (nodes.daemons.get(host)?.output() ?? '').split('\n').filter((l) => l.includes('" -> ') || /"msg":"[A-Z]+ -> /.test(l));
      for (const l of lines.slice(2)) console.log(`  ${host}: ${l}`);
    }
  } finally {
    await lab.destroy();
    await nodes.cleanup();
  }
}

async function main(): Promise<void> {
  requireRoot();
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { repeat: { type: 'string', default: '3' }, 'soak-seconds': { type: 'string', default: '600' } },
  });
  const which = positionals[0] ?? 'failover';
  if (which === 'failover') await failover(Number(values.repeat));
  else if (which === 'soak') await soak(Number(values['soak-seconds']));
  else throw new Error(`unknown benchmark "${which}" (failover, soak)`);
}

main().catch((err: Error) => {
  console.error(`scripts/bench: ${err.message}`);
  process.exitCode = 1;
});

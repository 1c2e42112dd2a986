/*
 * scripts/bench reload: 100 edits of the master's config file on a live pair (100 ms adverts,
 * IPVS in --dry-run, HTTP checks on two real servers) while a client pings the VIP every 10 ms.
 * For each edit (a real server's weight), the time from the file's write to the daemon's log
 * line saying the change is applied (chokidar's delay included), and the reload's own time.
 * The yardstick: the same pair and probe for the same time without reloads; the figure is the
 * probe's largest gap with reloads against without.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { Lab, removeStaleNamespaces, requireRoot, waitFor } from '../../test/support/netns.js';
import { PingProbe, ROOT, TandemNodes, VIP, pairConfig, webService } from '../../test/support/pair.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function config(priority: number, weight: number): Record<string, unknown> {
  return pairConfig({
    priority,
    extra: {
      virtual_services: [
        webService({ type: 'http', interval: 0.5, timeout: 0.5 }, [
          { address: '192.0.2.11', port: 8080, weight },
          { address: '192.0.2.12', port: 8080 },
        ]),
      ],
    },
  });
}

const pct = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;

async function main(): Promise<void> {
  requireRoot();
  const { values } = parseArgs({ options: { reloads: { type: 'string', default: '100' }, every: { type: 'string', default: '500' } } });
  const reloads = Number(values.reloads);
  const everyMs = Number(values.every);
  await removeStaleNamespaces(/^tdreload-/);
  const lab = await Lab.create(
    [
      { name: 'dir1', address: '192.0.2.1/24' },
      { name: 'dir2', address: '192.0.2.2/24' },
      { name: 'rs1', address: '192.0.2.11/24' },
      { name: 'rs2', address: '192.0.2.12/24' },
      { name: 'client', address: '192.0.2.50/24' },
    ],
    'tdreload',
  );
  const nodes = await TandemNodes.create(lab);
  try {
    for (const host of ['rs1', 'rs2']) {
      const s = lab.spawn(host, [process.execPath, path.join(ROOT, 'test/support/http-rs.mjs'), '8080', 'ok', host]);
      await waitFor(`${host} listening`, () => Promise.resolve(s.output().includes('ready')), 10_000);
    }
    const dir1 = await nodes.start('dir1', config(150, 1), undefined, ['--dry-run']);
    await nodes.waitState('dir1', 'MASTER');
    await nodes.start('dir2', config(100, 1), undefined, ['--dry-run']);
    await nodes.waitState('dir2', 'BACKUP');
    await sleep(2000);
    const transitions = async () => (await nodes.instance('dir1')).transitions + (await nodes.instance('dir2')).transitions;
    const before = await transitions();
    const span = reloads * everyMs;
    console.log(`reload: yardstick, ${span / 1000} s of pings without reloads ...`);
    let probe = PingProbe.start(lab, 'client', VIP, span / 1000 + 30);
    await sleep(span);
    const quiet = await probe.stop();
    console.log(`reload: ${reloads} edits of the master's file, one every ${everyMs} ms ...`);
    probe = PingProbe.start(lab, 'client', VIP, span / 1000 + 30);
    const applied: number[] = [];
    const internal: number[] = [];
    let seen = 0;
    for (let i = 1; i <= reloads; i++) {
      const weight = (i % 5) + 2;
      const started = Date.now();
      await writeFile(nodes.configFile('dir1'), stringify(config(150, weight)));
      const line = await waitFor(
        'the reload',
        () => {
          const lines = dir1.output().split('\n').filter((l) => l.includes('"msg":"reloaded ('));
          const fresh = lines.slice(seen).find((l) => l.includes(`weight`));
          return Promise.resolve(fresh);
        },
        5_000,
        2,
      );
      seen = dir1.output().split('\n').filter((l) => l.includes('"msg":"reloaded (')).length;
      const record = JSON.parse(line) as { time: number; ms: number };
      applied.push(record.time - started);
      internal.push(record.ms);
      await sleep(Math.max(0, everyMs - (Date.now() - started)));
    }
    const loaded = await probe.stop();
    const after = await transitions();
    const a = [...applied].sort((x, y) => x - y);
    const n = [...internal].sort((x, y) => x - y);
    console.log(`\nreload: ${reloads} reloads on the master of a live pair`);
    console.log(`write to applied (chokidar included): median ${pct(a, 0.5)} ms, p95 ${pct(a, 0.95)} ms, max ${a.at(-1)} ms`);
    console.log(`the reload itself (parse, diff, apply): median ${pct(n, 0.5)} ms, max ${n.at(-1)} ms`);
    console.log(`ping of the VIP every 10 ms, largest gap: ${quiet.maxGapMs} ms without reloads, ${loaded.maxGapMs} ms with (ratio ${(loaded.maxGapMs / quiet.maxGapMs).toFixed(2)}); lost ${quiet.lost} / ${loaded.lost}`);
    console.log(`VRRP transitions during the reloads: ${after - before}`);
  } finally {
    await lab.destroy();
    await nodes.cleanup();
  }
}

main().catch((err: Error) => {
  console.error(`scripts/bench reload: ${err.message}`);
  process.exitCode = 1;
});

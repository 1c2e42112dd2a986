/*
 * scripts/bench isolation: can load starve VRRP? A pair at 20 ms adverts (master-down time
 * about 70 ms: any stall of the master's VRRP loop longer than that is a false failover).
 * The yardstick, in the same run: the pair idle. Then the master checks --servers real servers
 * over HTTP every second (one node server on its loopback answers them all) and its config file
 * is rewritten every 0.5 s (a weight changes each time: a real reload, on the services thread).
 * For each: the master's advert gaps as a listener on the link sees them (p50, p99, max), the
 * master's VRRP-loop delay (p99 and max of its 10 s windows), the VRRP transitions of both
 * directors (goal: 0) and the reloads applied. IPVS in --dry-run (this host has none).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import type { DaemonStatus } from '../../src/daemon/daemon.js';
import { Lab, removeStaleNamespaces, requireRoot, waitFor } from '../../test/support/netns.js';
import { ROOT, TANDEM, TandemNodes, pairConfig, webService } from '../../test/support/pair.js';
import { sleep } from './bench-pair.js';

const ADVERT_INTERVAL = 0.02;

interface Figures {
  adverts: { count: number; p50: number; p99: number; max: number };
  loopP99Ms: number;
  loopMaxMs: number;
  transitions: number;
  reloads: number;
  checks: number;
}

function master(servers: number, weight: number): Record<string, unknown> {
  const real = Array.from({ length: servers }, (_, i) => ({ address: `127.1.${i >> 8}.${i & 255}`, port: 8080, weight: i === 0 ? weight : 1 }));
  return pairConfig({
    priority: 150,
    advertInterval: ADVERT_INTERVAL,
    extra: servers ? { virtual_services: [webService({ type: 'http', path: '/', interval: 1, timeout: 1, fall: 3 }, real)] } : {},
  });
}

async function measure(lab: Lab, nodes: TandemNodes, seconds: number, reloadEvery: (() => Promise<void>) | undefined): Promise<Figures> {
  const listener = lab.spawn('mon', [process.execPath, path.join(ROOT, 'scripts/lib/advert-listen.mjs'), String(seconds), '192.0.2.1', '192.0.2.60']);
  await waitFor('advert listener', () => Promise.resolve(listener.output().includes('listening')), 10_000);
  const total = (s: DaemonStatus) => s.instances.reduce((n, i) => n + i.transitions, 0);
  const first = await nodes.status('dir1');
  const transitionsBefore = total(first) + total(await nodes.status('dir2'));
  let loopP99 = 0;
  let loopMax = 0;
  const end = Date.now() + seconds * 1000;
  let nextLook = Date.now() + 10_000;
  while (Date.now() < end) {
    if (reloadEvery) await reloadEvery();
    await sleep(reloadEvery ? 500 : Math.min(10_000, end - Date.now()));
    if (Date.now() >= nextLook || Date.now() >= end) {
      nextLook += 10_000;
      const s = await nodes.status('dir1');
      loopP99 = Math.max(loopP99, s.process.eventLoopDelayMs?.p99 ?? 0);
      loopMax = Math.max(loopMax, s.process.eventLoopDelayMs?.max ?? 0);
    }
  }
  await listener.process;
  const last = await nodes.status('dir1');
  return {
    adverts: JSON.parse(listener.output().trim().split('\n').at(-1) as string) as Figures['adverts'],
    loopP99Ms: loopP99,
    loopMaxMs: loopMax,
    transitions: total(last) + total(await nodes.status('dir2')) - transitionsBefore,
    reloads: last.reload.ok - first.reload.ok,
    checks: (last.services[0]?.servers.reduce((n, r) => n + r.checks, 0) ?? 0) - (first.services[0]?.servers.reduce((n, r) => n + r.checks, 0) ?? 0),
  };
}

async function main(): Promise<void> {
  requireRoot();
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '600' }, servers: { type: 'string', default: '2000' } } });
  const seconds = Number(values.seconds);
  const servers = Number(values.servers);
  await removeStaleNamespaces(/^tdiso-/);
  const lab = await Lab.create(
    [
      { name: 'dir1', address: '192.0.2.1/24' },
      { name: 'dir2', address: '192.0.2.2/24' },
      { name: 'mon', address: '192.0.2.60/24' },
    ],
    'tdiso',
  );
  const nodes = await TandemNodes.create(lab);
  nodes.logLevel = 'info';
  nodes.command = [TANDEM];
  const rows: [string, Figures][] = [];
  try {
    const rs = lab.spawn('dir1', [process.execPath, path.join(ROOT, 'test/support/http-rs.mjs'), '8080', 'ok', 'rs']);
    await waitFor('real servers', () => Promise.resolve(rs.output().includes('ready')), 10_000);
    await nodes.start('dir1', master(0, 1), undefined, ['--dry-run']);
    await nodes.waitState('dir1', 'MASTER');
    await nodes.start('dir2', pairConfig({ priority: 100, advertInterval: ADVERT_INTERVAL }), undefined, ['--dry-run']);
    await nodes.waitFollowing('dir2', '192.0.2.1');
    console.log(`isolation: the pair idle at ${ADVERT_INTERVAL * 1000} ms adverts, ${seconds} s ...`);
    rows.push(['idle (yardstick)', await measure(lab, nodes, seconds, undefined)]);

    let weight = 1;
    const rewrite = () => writeFile(nodes.configFile('dir1'), stringify(master(servers, (weight = (weight % 9) + 1))));
    await rewrite();
    await waitFor('every server checked', async () => (await nodes.status('dir1')).services[0]?.servers.every((r) => r.checks > 0), 60_000, 500);
    console.log(`isolation: the master checking ${servers} real servers a second and reloading every 0.5 s, ${seconds} s ...`);
    rows.push([`${servers} checks/s + reload every 0.5 s`, await measure(lab, nodes, seconds, rewrite)]);
  } finally {
    await lab.destroy();
    await nodes.cleanup();
  }
  console.log(`\nisolation: ${ADVERT_INTERVAL * 1000} ms adverts, ${seconds} s each`);
  console.log('| load on the master | advert gap p50 / p99 / max (ms) | VRRP loop delay p99 / max (ms) | transitions | reloads | checks |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const [name, f] of rows) {
    console.log(`| ${name} | ${f.adverts.p50} / ${f.adverts.p99} / ${f.adverts.max} | ${f.loopP99Ms} / ${f.loopMaxMs} | ${f.transitions} | ${f.reloads} | ${f.checks} |`);
  }
  const [idle, loaded] = [rows[0]?.[1], rows[1]?.[1]];
  if (idle && loaded) console.log(`ratio (loaded / idle): advert gap p99 ${(loaded.adverts.p99 / idle.adverts.p99).toFixed(2)}, max ${(loaded.adverts.max / idle.adverts.max).toFixed(2)}`);
}

main().catch((err: Error) => {
  console.error(`scripts/bench isolation: ${err.message}`);
  process.exitCode = 1;
});

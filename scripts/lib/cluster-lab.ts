/*
 * scripts/lab --cluster: the cluster lab (test/support/cluster-lab.ts: a router with ECMP and
 * BFD, three directors in cluster mode with Maglev hashing and sloppy_tcp, three real servers)
 * in the real-IPVS guest, and its drills (cluster-drills.ts), each reported in figures.
 */
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CLUSTER_DIRECTORS, CLUSTER_VIP, buildClusterLab } from '../../test/support/cluster-lab.js';
import { requireRoot } from '../../test/support/netns.js';
import { ROOT } from '../../test/support/pair.js';
import { DRILLS, RUN_DRILL, printDrill } from './cluster-drills.js';
import type { Drill } from './cluster-drills.js';
import { run } from '../../test/support/programs.js';

async function inGuest(drills: Drill[], sync: boolean, json?: string): Promise<void> {
  const ipvs = sync ? 'IPVS rr DR with the sync daemon, full NAT on :8080' : 'IPVS mh DR';
  console.log(`building the cluster lab: router (BIRD, ECMP, BFD), dir1-3 (BIRD, tandem, ${ipvs}), rs1-3, client`);
  const started = Date.now();
  const c = await buildClusterLab('tdcl', { sync, fullnat: sync });
  try {
    await c.waitHops(CLUSTER_DIRECTORS.map((d) => c.hop(d)));
    console.log(`up in ${((Date.now() - started) / 1000).toFixed(1)} s: the router sends ${CLUSTER_VIP} to ${(await c.nextHops()).join(', ')}`);
    const reports = [];
    for (const d of drills) {
      const r = await RUN_DRILL[d](c);
      printDrill(r);
      reports.push(r);
    }
    if (json) await writeFile(json, `${JSON.stringify(reports, null, 2)}\n`);
  } finally {
    await c.destroy();
  }
}

async function main(): Promise<void> {
  requireRoot();
  const { values } = parseArgs({ options: { drill: { type: 'string', default: 'all' }, json: { type: 'string' }, sync: { type: 'boolean', default: false } } });
  // With --sync the lab has the full NAT service, and its drill.
  const known: Drill[] = values.sync ? [...DRILLS, 'fullnat-drain'] : [...DRILLS];
  const drills = values.drill === 'all' ? known : [values.drill as Drill];
  if (!drills.every((d) => known.includes(d))) throw new Error(`unknown drill "${values.drill}" (${known.join(', ')}, all)`);
  if (process.env.TANDEM_VM) return inGuest(drills, values.sync, values.json);
  // On the host: the same, in the real-IPVS guest; the report comes back through its out directory.
  const out = await mkdtemp(path.join(os.tmpdir(), 'tandem-cluster-lab-'));
  try {
    const inner = `node --import tsx scripts/lib/cluster-lab.ts --drill ${values.drill}${values.sync ? ' --sync' : ''} --json "$TANDEM_VM_OUT/report.json"`;
    const vm = await run(path.join(ROOT, 'scripts/vm'), ['--mem', '2048', '--out', out, '--', 'bash', '-c', inner], { cwd: ROOT, reject: false, stdout: 'inherit', stderr: 'inherit', timeout: 3_600_000 });
    if (values.json) await copyFile(path.join(out, 'report.json'), path.resolve(values.json)).catch((err: Error) => console.error(`scripts/lab --cluster: no report from the VM: ${err.message}`));
    if (vm.exitCode !== 0) process.exitCode = vm.exitCode ?? 1;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(`scripts/lab --cluster: ${err.message}`);
  process.exitCode = 1;
});

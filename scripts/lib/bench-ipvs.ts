/*
 * scripts/bench ipvs (set TANDEM_BENCH_SLICE to time more of the one-by-one apply):
 *   diff (on the host): the time to diff a 10,000-real-server table (100 services x 100) against
 *     itself with one weight changed, and the operations it yields (must be exactly one).
 *   vm (inside scripts/vm, real IPVS): the same table applied to an empty kernel table in one
 *     ipvsadm -R batch, then over netlink from this process (the daemon's way), then again one
 *     ipvsadm command at a time; the times and the ratios.
 */
import { performance } from 'node:perf_hooks';
import { diffTables } from '../../src/ipvs/diff.js';
import { IpvsadmDriver } from '../../src/ipvs/driver.js';
import { NetlinkIpvsDriver } from '../../src/ipvs/netlink-driver.js';
import type { VirtualService } from '../../src/ipvs/model.js';
import { run } from '../../test/support/programs.js';

const SERVICES = 100;
const SERVERS = 100;

function table(): VirtualService[] {
  return Array.from({ length: SERVICES }, (_, s) => ({
    protocol: 'tcp' as const,
    address: '192.0.2.100',
    port: 1000 + s,
    family: 4 as const,
    scheduler: 'wlc',
    flags: [],
    realServers: Array.from({ length: SERVERS }, (_, r) => ({
      address: `198.51.100.${r + 1}`,
      port: 8080,
      method: 'masq' as const,
      weight: 1,
      upper: 0,
      lower: 0,
    })),
  }));
}

function diffBench(): void {
  const actual = table();
  const desired = structuredClone(actual);
  (desired[42] as VirtualService).realServers[17]!.weight = 9;
  diffTables(desired, actual, { exclusive: true }); // warm-up
  const runs: number[] = [];
  let ops = 0;
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    ops = diffTables(desired, actual, { exclusive: true }).length;
    runs.push(performance.now() - t);
  }
  runs.sort((a, b) => a - b);
  console.log(`diff of ${SERVICES * SERVERS} real servers, one weight changed: ${ops} operation(s); median ${runs[10]?.toFixed(2)} ms, max ${runs.at(-1)?.toFixed(2)} ms (20 runs, host)`);
}

async function vmBench(): Promise<void> {
  if (!process.env.TANDEM_VM) throw new Error('the vm part runs inside scripts/vm (real IPVS): scripts/bench ipvs does that');
  // Masquerading needs a route to the real servers through an interface that is up.
  await run('ip', ['link', 'add', 'bn0', 'type', 'veth', 'peer', 'name', 'bn1']);
  await run('ip', ['link', 'set', 'bn0', 'up']);
  await run('ip', ['link', 'set', 'bn1', 'up']);
  await run('ip', ['addr', 'add', '198.51.100.254/24', 'dev', 'bn0']);
  const commands = diffTables(table(), [], { exclusive: true });
  const driver = new IpvsadmDriver(3_600_000);
  await run('ipvsadm', ['-C']);
  let t = performance.now();
  await driver.applyBatch(commands);
  const batchMs = performance.now() - t;
  const loaded = await driver.read();
  const entries = loaded.reduce((n, s) => n + s.realServers.length, 0);
  console.log(`batch: ${commands.length} operations (${entries} real servers read back) in ${(batchMs / 1000).toFixed(2)} s`);

  await run('ipvsadm', ['-C']);
  const netlink = new NetlinkIpvsDriver();
  t = performance.now();
  await netlink.applyBatch(commands);
  const netlinkMs = performance.now() - t;
  if (netlink.transport() !== 'netlink') throw new Error(`netlink was not used: ${netlink.transport()}`);
  const viaNetlink = diffTables(table(), await driver.read(), { exclusive: true }).length;
  netlink.close();
  console.log(`netlink: ${commands.length} operations in ${(netlinkMs / 1000).toFixed(2)} s (${viaNetlink} differences read back), ${(batchMs / netlinkMs).toFixed(1)}x the ipvsadm -R batch's speed`);

  const desired = table();
  (desired[42] as VirtualService).realServers[17]!.weight = 9;
  console.log(`one weight change against the real table: ${diffTables(desired, loaded, { exclusive: true }).length} operation(s)`);

  // One ipvsadm per operation is slow (each a process start in the guest): it is timed on the
  // first SLICE operations (10 whole services), and the batch on that same slice too.
  const slice = commands.slice(0, Number(process.env.TANDEM_BENCH_SLICE ?? 1010));
  await run('ipvsadm', ['-C']);
  t = performance.now();
  await driver.applyBatch(slice);
  const sliceBatchMs = performance.now() - t;
  await run('ipvsadm', ['-C']);
  t = performance.now();
  for (const c of slice) await driver.applyOne(c);
  const oneMs = performance.now() - t;
  const perOp = oneMs / slice.length;
  console.log(`one ipvsadm per operation: ${slice.length} operations in ${(oneMs / 1000).toFixed(2)} s (${perOp.toFixed(1)} ms each); the same ${slice.length} in one batch: ${(sliceBatchMs / 1000).toFixed(2)} s`);
  console.log(`ipvs apply, measured on ${slice.length} operations: batch ${(oneMs / sliceBatchMs).toFixed(1)}x faster`);
  console.log(
    `ipvs apply, whole table: batch ${(batchMs / 1000).toFixed(2)} s measured; one by one ${((perOp * commands.length) / 1000).toFixed(0)} s at the measured rate: ${((perOp * commands.length) / batchMs).toFixed(1)}x (in the User-mode Linux guest)`,
  );
  await run('ipvsadm', ['-C']);
  await run('ip', ['link', 'del', 'bn0']);
}

const which = process.argv[2];
if (which === 'diff') diffBench();
else if (which === 'vm') await vmBench();
else throw new Error(`unknown part "${which}" (diff, vm)`);

/*
 * scripts/bench sim: random fault schedules through the simulator (src/sim), spread over one
 * worker per CPU. Figures: schedules per second, simulated time and node-hours covered,
 * simulator events per second, and invariant violations (the goal is 0). A violation prints
 * its schedule; replay it with simulate(), shrink it with TANDEM_SIM_SEED in the unit test.
 * The yardstick: the same schedules' simulated time against the wall-clock time they took.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import { schedule } from '../../src/sim/arbitrary.js';
import { simulate } from '../../src/sim/run.js';

const CHUNK = 100;

interface Totals {
  schedules: number;
  violations: number;
  events: number;
  simulatedMs: number;
  nodeMs: number;
  reloadsOk: number;
  reloadsRefused: number;
  failing: string[];
}

async function work(seed: number, chunks: number[]): Promise<Totals> {
  const t: Totals = { schedules: 0, violations: 0, events: 0, simulatedMs: 0, nodeMs: 0, reloadsOk: 0, reloadsRefused: 0, failing: [] };
  for (const chunk of chunks) {
    for (const s of fc.sample(schedule, { numRuns: CHUNK, seed: seed + chunk })) {
      const r = await simulate(s);
      t.schedules += 1;
      t.events += r.events;
      t.simulatedMs += r.simulatedMs;
      t.nodeMs += r.nodeMs;
      t.reloadsOk += r.reloads.ok;
      t.reloadsRefused += r.reloads.refused;
      if (r.violations.length) {
        t.violations += 1;
        if (t.failing.length < 5) t.failing.push(`${JSON.stringify(r.violations[0])}\n  schedule: ${JSON.stringify(s)}`);
      }
    }
  }
  return t;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      schedules: { type: 'string', default: '100000' },
      workers: { type: 'string', default: String(os.availableParallelism()) },
      seed: { type: 'string', default: String(Date.now() % 2 ** 30) },
    },
  });
  const chunks = Math.ceil(Number(values.schedules) / CHUNK);
  const workers = Math.max(1, Number(values.workers));
  const seed = Number(values.seed);
  console.log(`simulator: ${chunks * CHUNK} schedules, ${workers} workers, seed ${seed}, on ${os.cpus()[0]?.model ?? 'unknown CPU'} x ${os.cpus().length}, Node.js ${process.version}`);
  const started = performance.now();
  const parts = await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const mine = Array.from({ length: chunks }, (_, c) => c).filter((c) => c % workers === w);
      return new Promise<Totals>((resolve, reject) => {
        const worker = new Worker(new URL('./bench-sim-worker.mjs', import.meta.url), { workerData: { seed, chunks: mine } });
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    }),
  );
  const wallS = (performance.now() - started) / 1000;
  const sum = (k: keyof Omit<Totals, 'failing'>) => parts.reduce((a, p) => a + p[k], 0);
  const simulatedS = sum('simulatedMs') / 1000;
  console.log(`schedules            ${sum('schedules')} in ${wallS.toFixed(1)} s: ${(sum('schedules') / wallS).toFixed(1)} per second`);
  console.log(`simulated time       ${(simulatedS / 3600).toFixed(1)} h (${(simulatedS / wallS).toFixed(0)}x wall-clock), ${(sum('nodeMs') / 3_600_000).toFixed(1)} node-hours`);
  console.log(`simulator events     ${sum('events')} (${Math.round(sum('events') / wallS)} per second)`);
  console.log(`reloads              ${sum('reloadsOk')} applied, ${sum('reloadsRefused')} refused whole`);
  console.log(`invariant violations ${sum('violations')} (goal 0)`);
  for (const f of parts.flatMap((p) => p.failing)) console.log(`  ${f}`);
  process.exitCode = sum('violations') ? 1 : 0;
}

if (isMainThread) await main();
else parentPort?.postMessage(await work((workerData as { seed: number }).seed, (workerData as { chunks: number[] }).chunks));

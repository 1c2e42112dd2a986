import fc from 'fast-check';
import { schedule } from '../../../src/sim/arbitrary.js';
import { simulate } from '../../../src/sim/run.js';

/*
 * Random fault schedules, a new seed each run (printed; TANDEM_SIM_SEED=N replays them,
 * TANDEM_SIM_RUNS=N sets how many per half). A failure prints the shrunk schedule:
 * scripts/lib/sim-replay.ts replays it with the logs; add it to regressions.ts once fixed.
 */
export const simRuns = Number(process.env.TANDEM_SIM_RUNS ?? 1000);
export const simSeed = Number(process.env.TANDEM_SIM_SEED ?? Date.now() % 2 ** 30);

export async function checkRandomSchedules(seed: number): Promise<void> {
  console.log(`simulator: ${simRuns} schedules, seed ${seed} (TANDEM_SIM_SEED=${simSeed} replays this run)`);
  await fc.assert(
    fc.asyncProperty(schedule, async (s) => {
      const { violations } = await simulate(s);
      if (violations.length) throw new Error(violations.map((v) => `${v.at} ms ${v.invariant}: ${v.detail}`).join('\n'));
    }),
    { numRuns: simRuns, seed },
  );
}

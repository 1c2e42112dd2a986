import fc from 'fast-check';
import { describe, it } from 'vitest';
import { schedule } from '../../../src/sim/arbitrary.js';
import { simulate } from '../../../src/sim/run.js';

/*
 * Random fault schedules, a new seed each run (printed; TANDEM_SIM_SEED replays one). A
 * failure prints the shrunk schedule: add it to regressions.ts once fixed.
 */
const runs = Number(process.env.TANDEM_SIM_RUNS ?? 1000);
const seed = Number(process.env.TANDEM_SIM_SEED ?? Date.now() % 2 ** 31);

describe('random fault schedules', () => {
  it(`hold every invariant (${runs} schedules, seed ${seed})`, { timeout: 600_000 }, async () => {
    console.log(`simulator: ${runs} schedules, seed ${seed} (TANDEM_SIM_SEED=${seed} replays them)`);
    await fc.assert(
      fc.asyncProperty(schedule, async (s) => {
        const { violations } = await simulate(s);
        if (violations.length) throw new Error(violations.map((v) => `${v.at} ms ${v.invariant}: ${v.detail}`).join('\n'));
      }),
      { numRuns: runs, seed },
    );
  });
});

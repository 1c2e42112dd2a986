import { describe, it } from 'vitest';
import { checkRandomSchedules, simSeed, simRuns } from './random-schedules.js';

// The other half of the random schedules (seed + 1), run beside random-schedules.test.ts.
describe('random fault schedules (second half)', () => {
  it(`hold every invariant (${simRuns} schedules, seed ${simSeed + 1})`, { timeout: 900_000 }, () => checkRandomSchedules(simSeed + 1));
});

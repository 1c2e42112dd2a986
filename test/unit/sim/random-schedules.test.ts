import { describe, it } from 'vitest';
import { checkRandomSchedules, simSeed, simRuns } from './random-schedules.js';

// Half of the random schedules; random-schedules-b.test.ts runs the other half beside it.
describe('random fault schedules (first half)', () => {
  it(`hold every invariant (${simRuns} schedules, seed ${simSeed})`, { timeout: 900_000 }, () => checkRandomSchedules(simSeed));
});

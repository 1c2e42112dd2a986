import fc from 'fast-check';
import { schedule } from '../../src/sim/arbitrary.js';
import { simulate } from '../../src/sim/run.js';
const runs = Number(process.argv[2] ?? 200);
const seed = Number(process.argv[3] ?? Date.now() % 100000);
const t = Date.now();
let events = 0;
try {
  await fc.assert(fc.asyncProperty(schedule, async (s) => {
    const r = await simulate(s);
    events += r.events;
    if (r.violations.length) throw new Error(JSON.stringify(r.violations[0]));
  }), { numRuns: runs, seed, endOnFailure: process.env.NOSHRINK === '1' });
} catch (e) { console.log(String((e as Error).message).slice(0, 6000)); }
console.log('seed', seed, 'runs', runs, Date.now() - t, 'ms', 'events', events);

import fc from 'fast-check';
import { schedule } from '../../src/sim/arbitrary.js';
import { simulate } from '../../src/sim/run.js';
const samples = fc.sample(schedule, { numRuns: 150, seed: 7 });
const t = Date.now(); let ev = 0;
for (const s of samples) { const r = await simulate(s); ev += r.events; if (r.violations.length) console.log(JSON.stringify(r.violations[0])); }
console.log(Date.now() - t, 'ms', ev, 'events', ((Date.now() - t) * 1000 / ev).toFixed(1), 'us/event');

// Shrinks a failing schedule by dropping faults one at a time while it still fails (given a checkout that fails).
import { readFileSync } from 'node:fs';
import { simulate } from '../../src/sim/run.js';
const s = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8').split('\n')[Number(process.argv[3] ?? 0)] ?? '');
const fails = async (x: typeof s) => (await simulate(x)).violations.length > 0;
console.log('fails', await fails(s));
for (let i = s.faults.length - 1; i >= 0; i--) {
  const t = { ...s, faults: s.faults.filter((_: unknown, j: number) => j !== i) };
  if (await fails(t)) s.faults = t.faults;
}
console.log(JSON.stringify(s));

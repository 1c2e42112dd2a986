import { readFileSync } from 'node:fs';
import { simulate } from '../../src/sim/run.js';
for (const line of readFileSync(process.argv[2] ?? '', 'utf8').split('\n').filter(Boolean)) {
  const r = await simulate(JSON.parse(line));
  console.log(r.violations.length ? JSON.stringify(r.violations[0]) : 'ok');
}

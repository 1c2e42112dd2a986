import { pino } from 'pino';
import { simulate } from '../../src/sim/run.js';
const s = JSON.parse((process.argv[2] ?? "").replace(/__proto__:null,/g, ''));
const r = await simulate(s, { log: process.env.LOG ? pino({ level: process.env.LOG }) : undefined });
console.log(JSON.stringify(r.violations, null, 1), r.events);

import { simulate } from '../../src/sim/run.js';
import { pino } from 'pino';
const cluster = { nodes: 2, instances: [{ vrid: 51, priorities: [200, 100], preempt: [true, true], preemptDelay: 0, advertInterval: 1, unicast: false, vipCount: 1 }], syncGroup: false, scriptWeight: null, trackEth1Weight: null, service: null };
const t = Date.now();
const r = await simulate({ seed: 1, cluster, faults: [{ at: 10000, fault: { kind: 'crash', node: 0, forMs: 5000 } }, { at: 30000, fault: { kind: 'partition', a: 0, b: 1, oneWay: false, forMs: 4000 } }] }, { log: process.env.LOG ? pino({ level: 'info' }) : undefined });
console.log(JSON.stringify(r, null, 1), Date.now() - t, 'ms');

/*
 * Replays one simulator schedule (the JSON a failing test or `scripts/bench sim` printed) and
 * prints its violations; with TANDEM_LOG=info (or debug) the directors' logs go to stderr.
 *   node --import tsx scripts/lib/sim-replay.ts '{"seed":...}'   (or a file holding it)
 */
import { existsSync, readFileSync } from 'node:fs';
import { pino } from 'pino';
import { simulate } from '../../src/sim/run.js';
import type { Schedule } from '../../src/sim/schedule.js';

const arg = process.argv[2] ?? '';
const text = existsSync(arg) ? readFileSync(arg, 'utf8') : arg;
// fast-check prints records with `__proto__:null,`; JSON does not know it.
const schedule = JSON.parse(text.replace(/__proto__:null,/g, '')) as Schedule;
const level = process.env.TANDEM_LOG;
const result = await simulate(schedule, { log: level ? pino({ level }, pino.destination(2)) : undefined });
console.log(JSON.stringify({ violations: result.violations, events: result.events, simulatedMs: result.simulatedMs, reloads: result.reloads }, null, 1));
process.exitCode = result.violations.length ? 1 : 0;

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrillReport } from '../../src/drill/report.js';
import { ROOT } from '../support/pair.js';
import { run } from '../support/programs.js';

/*
 * The main job on real IPVS: scripts/lab's topology (client, two directors, three HTTP real
 * servers, MariaDB) in this VM, the client's HTTP requests travelling through the kernel's
 * IPVS to the real servers while the pair hands over, then while the master's link is cut.
 * --untimed: the drills judge counts and states; their timings are printed, not judged.
 */
let state: string;
const lab = (args: string[]) =>
  run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/lib/lab.ts'), ...args], {
    cwd: ROOT,
    env: { TANDEM_LAB_STATE: state },
    reject: false,
    all: true,
    timeout: 1_200_000,
  });

/** Runs one drill (`up` builds the lab first) and returns its JSON report. */
async function drill(args: string[]): Promise<DrillReport> {
  const json = path.join(state, `report-${Date.now()}.json`);
  const run = await lab([...args, '--json', json]);
  console.log(run.all);
  return JSON.parse(await readFile(json, 'utf8')) as DrillReport;
}

describe('scripts/lab on real IPVS', () => {
  let handover: DrillReport;

  beforeAll(async () => {
    state = await mkdtemp(path.join(os.tmpdir(), 'tandem-lab-'));
    handover = await drill(['--drill', 'handover', '--untimed']);
  });

  afterAll(async () => {
    await lab(['down']);
    await rm(state, { recursive: true, force: true });
  });

  it('hands over with at least 99% of the HTTP requests through IPVS answered, and the long-lived connection kept', () => {
    expect(handover.requestsSent).toBeGreaterThan(0);
    expect(handover.requestsFailed / handover.requestsSent).toBeLessThanOrEqual(0.01);
    expect(handover.connectionSurvived).toBe(true);
    expect(handover.ipvsTablesEqualAfter).toBe(true);
    expect(handover.checks.filter((c) => !c.pass)).toEqual([]);
    expect(handover.pass).toBe(true);
  });

  it('survives a cut of the master\'s link: no HTTP request fails outside the takeovers', async () => {
    const link = await drill(['drill', 'link', '--untimed']);
    expect(link.requestsSent).toBeGreaterThan(0);
    // During the cut and the preemption back, a connection opened in the instant before the
    // VIPs moved can meet a new master that has not had its sync yet (the kernel sends it up
    // to 2 s later): counted in requestsFailed, reported, not tandem's to prevent.
    expect(link.requestsFailedOutsideTakeover).toBe(0);
    expect(link.checks.filter((c) => !c.pass)).toEqual([]);
    expect(link.pass).toBe(true);
  });
});

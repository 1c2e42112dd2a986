import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrillReport } from '../../src/drill/report.js';
import { ROOT } from '../support/pair.js';
import { run } from '../support/programs.js';

/*
 * The main job end to end on this machine (IPVS in --dry-run): scripts/lab builds the lab from
 * conf/ and runs the handover drill, then every other drill runs on the same lab. --untimed: the
 * drills judge counts and states, and how fast is scripts/bench's to measure. The lab's fixed
 * names (tdlab-*, .lab/) mean a lab left running is replaced.
 */
const lab = (args: string[]) => run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/lib/lab.ts'), ...args], { cwd: ROOT, reject: false, all: true, timeout: 300_000 });

describe('scripts/lab and its drills', () => {
  let dir: string;
  const report = async (name: string) => JSON.parse(await readFile(path.join(dir, `${name}.json`), 'utf8')) as DrillReport;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-lab-test-'));
  });

  afterAll(async () => {
    await lab(['down']);
    await rm(dir, { recursive: true, force: true });
  });

  it('builds the lab from conf/ and passes the handover drill', async () => {
    const run = await lab(['--untimed', '--json', path.join(dir, 'handover.json')]);
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toMatch(/this kernel has no IPVS|IPVS/);
    const r = await report('handover');
    expect(r).toMatchObject({ drill: 'handover', pass: true, masterBefore: 'dir1', masterAfter: 'dir2', pingsLost: 0, ipvsTablesEqualAfter: true });
    expect(typeof r.requestsSent).toBe('number');
    expect(typeof r.requestsFailed).toBe('number');
  });

  it.each(['crash', 'link', 'partition', 'real-server'])('passes the %s drill', async (name) => {
    const run = await lab(['drill', name, '--untimed', '--json', path.join(dir, `${name}.json`)]);
    expect(run.exitCode, run.all).toBe(0);
    const r = await report(name);
    expect(r).toMatchObject({ drill: name, pass: true, singleOwnerAtEnd: true });
    if (name === 'real-server') expect(r.events.map((e) => e.text)).toEqual(expect.arrayContaining(['web 198.51.100.13:8080 down', 'web 198.51.100.13:8080 up']));
    else expect(r.timeToNewMasterMs).not.toBeNull();
  });
});

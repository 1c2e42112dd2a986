import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrillReport } from '../../src/drill/report.js';
import { ROOT } from '../support/pair.js';

/*
 * The lab on a real IPVS kernel: the client's HTTP requests travel through the VIP and IPVS to
 * the real servers. Across a handover and a link cut at least 99% of them succeed, and one
 * long-lived connection survives the handover (the IPVS sync daemon).
 */
describe('the lab on real IPVS', () => {
  let dir: string;
  const env = () => ({ ...process.env, TANDEM_LAB_STATE: path.join(dir, 'lab') });
  const lab = (args: string[]) => execa(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/lib/lab.ts'), ...args], { cwd: ROOT, env: env(), reject: false, all: true, timeout: 1_500_000 });
  const report = async (name: string) => JSON.parse(await readFile(path.join(dir, `${name}.json`), 'utf8')) as DrillReport;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-vm-lab-'));
  });

  afterAll(async () => {
    await lab(['down']);
    await rm(dir, { recursive: true, force: true });
  }, 600_000);

  it('hands over with at least 99% of the requests served and the long-lived connection kept', async () => {
    const run = await lab(['--json', path.join(dir, 'handover.json')]);
    const r = await report('handover').catch(() => undefined);
    expect(r, run.all).toBeDefined();
    expect(r?.requestsSent).toBeGreaterThan(50);
    expect((r?.requestsFailed ?? 1) / (r?.requestsSent ?? 1)).toBeLessThanOrEqual(0.01);
    expect(r?.connectionSurvived, run.all).toBe(true);
    expect(r).toMatchObject({ pass: true, masterBefore: 'dir1', masterAfter: 'dir2', ipvsTablesEqualAfter: true });
    expect(run.exitCode, run.all).toBe(0);
  }, 1_600_000);

  it('survives a link cut with at least 99% of the requests served', async () => {
    const run = await lab(['drill', 'link', '--json', path.join(dir, 'link.json')]);
    const r = await report('link');
    expect(r.requestsSent).toBeGreaterThan(50);
    expect(r.requestsFailed / r.requestsSent).toBeLessThanOrEqual(0.01);
    expect(r).toMatchObject({ pass: true, singleOwnerAtEnd: true });
    expect(run.exitCode, run.all).toBe(0);
  }, 1_600_000);
});

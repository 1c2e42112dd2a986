import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DrillReport } from '../../src/drill/report.js';
import { withDirectorLab } from '../support/director-lab.js';
import { TANDEM, VIP, pairConfig } from '../support/pair.js';
import { run } from '../support/programs.js';

/* `tandem drill handover` run from a client namespace against a live pair's control sockets. */
describe('tandem drill handover', () => {
  const ctx = withDirectorLab([{ name: 'client', address: '192.0.2.50/24' }]);

  it('hands over under the client\'s pings, reports and judges it, as a table, JSON and SVG', async () => {
    await ctx.nodes.start('dir1', pairConfig({ priority: 150 }));
    await ctx.nodes.waitState('dir1', 'MASTER');
    await ctx.nodes.start('dir2', pairConfig({ priority: 100 }));
    await ctx.nodes.waitState('dir2', 'BACKUP');
    const json = path.join(ctx.nodes.dir, 'drill.json');
    const svg = path.join(ctx.nodes.dir, 'drill.svg');
    const drill = await run(
      'ip',
      ['netns', 'exec', ctx.lab.ns('client'), process.execPath, TANDEM, 'drill', 'handover', '--node', `dir1=${ctx.nodes.stateDir('dir1')}`, '--node', `dir2=${ctx.nodes.stateDir('dir2')}`,
        '--vip', VIP, '--hold', '30', '--max-downtime', '5000', '--max-time-to-master', '5000', '--json', json, '--svg', svg],
      { reject: false, timeout: 60_000 },
    );
    expect(drill.exitCode, drill.stderr + drill.stdout).toBe(0);
    expect(drill.stdout).toMatch(/^verdict +PASS$/m);
    const report = JSON.parse(await readFile(json, 'utf8')) as DrillReport;
    expect(report).toMatchObject({ drill: 'handover', masterBefore: 'dir1', masterAfter: 'dir2', singleOwnerAtEnd: true, pass: true, pingsLost: 0, requestsSent: 0, requestsFailed: 0 });
    // The thresholds are judged (how they are judged is unit-tested); how fast is the bench's.
    expect(report.checks.map((c) => c.pass)).toEqual(report.checks.map(() => true));
    expect(report.vipDowntimeMs).not.toBeNull();
    expect(report.timeToNewMasterMs).not.toBeNull();
    expect(report.events.map((e) => `${e.node} ${e.text}`)).toEqual(expect.arrayContaining(['drill step-down sent to dir1 (hold 30 s)', 'dir1 VI_1 MASTER -> BACKUP', 'dir2 VI_1 BACKUP -> MASTER']));
    expect(await readFile(svg, 'utf8')).toMatch(/^<svg .*tandem drill handover: PASS/s);
  });
});

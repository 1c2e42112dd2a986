import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, waitFor } from '../support/netns.js';
import { TandemNodes, pairConfig } from '../support/pair.js';

/*
 * Tracking scripts move the VIPs (a weight lowers the master below its peer), a weight-0 script
 * failure puts a whole sync group in FAULT, tracked files adjust priorities by their value, and
 * notify hooks run with Keepalived's arguments. The "health" of each director is a file the test
 * creates and removes; the script is `test -e`.
 */
describe('tracking, sync groups and notify hooks', () => {
  let lab: Lab;
  let nodes: TandemNodes;
  const flag = (host: string, name: string) => path.join(nodes.dir, `${host}-${name}`);
  const hookLog = (host: string) => path.join(nodes.dir, `${host}-hooks.log`);

  const config = (host: string, priority: number) =>
    pairConfig({
      priority,
      extra: {
        // Keepalived's track_file: the value × -1 is added to the priority; init writes 0 at start.
        files: { load: { path: flag(host, 'load'), weight: -1, init: 0 } },
        scripts: {
          chk_service: { command: ['test', '-e', flag(host, 'service')], interval: 0.1, weight: -60, fall: 2, rise: 2 },
          chk_gateway: { command: ['test', '-e', flag(host, 'gateway')], interval: 0.1, weight: 0 },
        },
        instances: [
          {
            name: 'VI_EXT',
            interface: 'eth0',
            vrid: 51,
            priority,
            advert_interval: 0.1,
            vips: ['192.0.2.100/24'],
            track_scripts: ['chk_service'],
            track_files: ['load'],
            // Each line ends with whether the VIP was on eth0 as the hook ran (1 or 0).
            notify: { any: ['sh', '-c', `echo "$* $(ip -o addr show dev eth0 | grep -c ' 192.0.2.100/')" >> ${hookLog(host)}`, 'notify'] },
          },
          { name: 'VI_GW', interface: 'eth0', vrid: 52, priority, advert_interval: 0.1, vips: ['198.51.100.1/24'], track_scripts: ['chk_gateway'] },
        ],
        sync_groups: [{ name: 'G', instances: ['VI_EXT', 'VI_GW'], notify: { any: ['sh', '-c', `echo "$*" >> ${hookLog(host)}.group`, 'notify'] } }],
      },
    });

  beforeAll(async () => {
    lab = await Lab.create([
      { name: 'dir1', address: '192.0.2.1/24' },
      { name: 'dir2', address: '192.0.2.2/24' },
    ]);
    nodes = await TandemNodes.create(lab);
    for (const host of ['dir1', 'dir2']) {
      await writeFile(flag(host, 'service'), '');
      await writeFile(flag(host, 'gateway'), '');
    }
    await nodes.start('dir1', config('dir1', 150));
    await nodes.start('dir2', config('dir2', 120));
    await nodes.waitState('dir1', 'MASTER', 10_000, 'VI_EXT');
    await nodes.waitState('dir1', 'MASTER', 10_000, 'VI_GW');
  });

  afterAll(async () => {
    await lab?.destroy();
    await nodes?.cleanup();
  });

  it('runs notify hooks with INSTANCE name STATE priority, the MASTER one once the VIP is up (as Keepalived)', async () => {
    const lines = await waitFor('the MASTER hook', async () => {
      const text = await readFile(hookLog('dir1'), 'utf8').catch(() => '');
      return text.includes('MASTER') ? text : undefined;
    });
    expect(lines.trim().split('\n')).toEqual(['INSTANCE VI_EXT BACKUP 150 0', 'INSTANCE VI_EXT MASTER 150 1']);
    // The group's hook runs once per group state, not once per member.
    const group = await waitFor('the group MASTER hook', async () => {
      const text = await readFile(`${hookLog('dir1')}.group`, 'utf8').catch(() => '');
      return text.includes('MASTER') ? text : undefined;
    });
    expect(group.trim().split('\n')).toEqual(['GROUP G BACKUP', 'GROUP G MASTER']);
  });

  it('a failing weighted script lowers the master below its peer; the group moves together; recovery preempts back', async () => {
    await rm(flag('dir1', 'service'));
    const ext = await nodes.waitState('dir1', 'BACKUP', 5000, 'VI_EXT');
    expect(ext.priority).toBe(90);
    // VI_GW has no failing script of its own: the sync group takes it along, weight included,
    // so that it does not outrank dir2's VI_GW and pull the group back.
    const gw = await nodes.waitState('dir1', 'BACKUP', 5000, 'VI_GW');
    expect(gw.priority).toBe(90);
    await nodes.waitState('dir2', 'MASTER', 5000, 'VI_EXT');
    await nodes.waitState('dir2', 'MASTER', 5000, 'VI_GW');
    await writeFile(flag('dir1', 'service'), '');
    await nodes.waitState('dir1', 'MASTER', 5000, 'VI_EXT');
    await nodes.waitState('dir1', 'MASTER', 5000, 'VI_GW');
  });

  it('a tracked file lowers the priority by its value × weight, read when it changes; 0 gives it back', async () => {
    // init wrote 0 at start (the file did not exist).
    expect(await readFile(flag('dir1', 'load'), 'utf8')).toBe('0\n');
    await writeFile(flag('dir1', 'load'), '40\n');
    const ext = await nodes.waitState('dir1', 'BACKUP', 5000, 'VI_EXT');
    expect(ext.priority).toBe(110);
    await nodes.waitState('dir2', 'MASTER', 5000, 'VI_GW');
    // A write by rename (as editors and `mv` do) is seen too; hex as strtol reads it.
    await writeFile(`${flag('dir1', 'load')}.new`, '0x0');
    await rename(`${flag('dir1', 'load')}.new`, flag('dir1', 'load'));
    const back = await nodes.waitState('dir1', 'MASTER', 5000, 'VI_EXT');
    expect(back.priority).toBe(150);
    await nodes.waitState('dir1', 'MASTER', 5000, 'VI_GW');
  });

  it('a weight-0 script failure is a FAULT for the whole sync group, cleared when it passes', async () => {
    await rm(flag('dir1', 'gateway'));
    const gw = await nodes.waitState('dir1', 'FAULT', 5000, 'VI_GW');
    expect(gw.faults).toEqual(['script chk_gateway down']);
    const ext = await nodes.waitState('dir1', 'FAULT', 5000, 'VI_EXT');
    expect(ext.faults).toEqual(['sync group G: VI_GW in FAULT']);
    await nodes.waitState('dir2', 'MASTER', 5000, 'VI_EXT');
    await waitFor('dir1 to release both VIPs', async () => {
      const addrs = await lab.addresses('dir1');
      return !addrs.includes('192.0.2.100/24') && !addrs.includes('198.51.100.1/24');
    }, 3000);
    await writeFile(flag('dir1', 'gateway'), '');
    await nodes.waitState('dir1', 'MASTER', 5000, 'VI_GW');
    await nodes.waitState('dir1', 'MASTER', 5000, 'VI_EXT');
  });
});

import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, waitFor } from '../support/netns.js';
import { TandemNodes, pairConfig } from '../support/pair.js';

/*
 * A tracking script with `start_down` (Keepalived's init_fail) counts as failed from the start:
 * a weight-0 one holds its instance in FAULT, never MASTER, until it has succeeded `rise` times.
 */
describe('a tracking script that starts down', () => {
  let lab: Lab;
  let nodes: TandemNodes;
  const flag = () => path.join(nodes.dir, 'dir1-ready');
  const hookLog = () => path.join(nodes.dir, 'dir1-hooks.log');

  beforeAll(async () => {
    lab = await Lab.create([{ name: 'dir1', address: '192.0.2.1/24' }]);
    nodes = await TandemNodes.create(lab);
  });

  afterAll(async () => {
    await lab?.destroy();
    await nodes?.cleanup();
  });

  it('holds the instance in FAULT until the script has succeeded rise times, then it becomes MASTER', async () => {
    const daemon = await nodes.start(
      'dir1',
      pairConfig({
        priority: 150,
        extra: { scripts: { ready: { command: ['test', '-e', flag()], interval: 0.1, weight: 0, rise: 2, start_down: true } } },
        instance: { track_scripts: ['ready'], notify: { any: ['sh', '-c', `echo "$3" >> ${hookLog()}`, 'notify'] } },
      }),
    );
    // The script fails (no file): the instance is in FAULT and stays there over many runs.
    const faulted = await nodes.waitState('dir1', 'FAULT');
    expect(faulted.state).toBe('FAULT');
    await waitFor('the script to have run 10 times', async () => (daemon.output().split('tracking script failed').length > 10 ? true : undefined), 10_000, 50);
    expect((await nodes.instance('dir1', 'VI_1')).state).toBe('FAULT');
    await writeFile(flag(), '');
    await nodes.waitState('dir1', 'MASTER');
    const states = (await readFile(hookLog(), 'utf8')).trim().split('\n');
    expect(states[0]).toBe('FAULT');
    expect(states.at(-1)).toBe('MASTER');
    expect(states.indexOf('MASTER')).toBe(states.length - 1);
  });
});

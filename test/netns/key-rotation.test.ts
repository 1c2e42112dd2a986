import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, waitFor } from '../support/netns.js';
import { TandemNodes, pairConfig } from '../support/pair.js';

/*
 * The advert key rotated by rewriting the key file on both directors (the config file's text
 * does not change). The simulator found that the reload then checked adverts with the new key
 * and signed them with the old one, so each director refused the other's and both became
 * master. Now the pair keeps its master and refuses nothing once both files are rewritten.
 */
describe('rotating the advert key file on both directors', () => {
  let lab: Lab;
  let nodes: TandemNodes;
  const keyFile = (host: string) => path.join(path.dirname(nodes.configFile(host)), `${host}.key`);
  const config = (host: string, priority: number) => pairConfig({ priority, extra: { auth: { key_file: keyFile(host) } } });
  const rejected = async (host: string) => (await nodes.status(host)).adverts.rejected.hmac ?? 0;

  beforeAll(async () => {
    lab = await Lab.create([
      { name: 'dir1', address: '192.0.2.1/24' },
      { name: 'dir2', address: '192.0.2.2/24' },
    ]);
    nodes = await TandemNodes.create(lab);
    for (const host of ['dir1', 'dir2']) await writeFile(keyFile(host), 'the first key, 32 bytes or so.\n', { mode: 0o600 });
    await nodes.startPair(config('dir1', 150), config('dir2', 100));
  });

  afterAll(async () => {
    await lab?.destroy();
    await nodes?.cleanup();
  });

  it('keeps one master and refuses no advert once both have the new key', async () => {
    const before = (await nodes.instance('dir2')).transitions;
    for (const host of ['dir1', 'dir2']) await writeFile(keyFile(host), 'the second key, also long enough\n', { mode: 0o600 });
    for (const host of ['dir1', 'dir2']) {
      await waitFor(`${host} to reload`, async () => (await nodes.status(host)).reload.last?.summary.includes('advert key changed') === true, 30_000);
    }
    // Both have the new key: the refused count stops growing, and the roles are the same.
    const counts = async () => `${await rejected('dir1')} ${await rejected('dir2')}`;
    let last = await counts();
    await waitFor('no more refused adverts', async () => {
      const now = await counts();
      const still = now === last;
      last = now;
      return still && (await nodes.instance('dir2')).advertsSent > 0;
    }, 30_000, 1000);
    expect((await nodes.instance('dir1')).state).toBe('MASTER');
    expect((await nodes.instance('dir2')).state).toBe('BACKUP');
    // dir2 became master at most while the two files differed, and is back to BACKUP.
    expect((await nodes.instance('dir2')).transitions - before).toBeLessThanOrEqual(2);
  });
});

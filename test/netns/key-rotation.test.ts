import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
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

/*
 * The documented rotation with several keys (auth.keys and auth.active), done one director at
 * a time as an operator does, with time between the two: add the new key, make it active,
 * remove the old one. Each director accepts what the other signs at every step: no refused
 * advert, no takeover, never two holders.
 */
describe('rotating the advert key with several keys, one director at a time', () => {
  let lab: Lab;
  let nodes: TandemNodes;
  const keyFile = (name: string) => path.join(nodes.dir, `${name}.key`);
  const config = (priority: number, ids: number[], active: number) =>
    pairConfig({ priority, extra: { auth: { keys: ids.map((id) => ({ id, key_file: keyFile(`k${id}`) })), active } } });
  const holders = async () => {
    const out: string[] = [];
    for (const host of ['dir1', 'dir2']) if ((await lab.addresses(host)).some((a) => a.startsWith('192.0.2.100/'))) out.push(host);
    return out;
  };

  beforeAll(async () => {
    lab = await Lab.create([
      { name: 'dir1', address: '192.0.2.1/24' },
      { name: 'dir2', address: '192.0.2.2/24' },
    ]);
    nodes = await TandemNodes.create(lab);
    await writeFile(keyFile('k1'), 'the key of last year, long enough\n', { mode: 0o600 });
    await writeFile(keyFile('k2'), 'the key of this year, long enough\n', { mode: 0o600 });
    await nodes.startPair(config(150, [1], 1), config(100, [1], 1));
  });

  afterAll(async () => {
    await lab?.destroy();
    await nodes?.cleanup();
  });

  it('passes every step with one holder, no refused advert and no takeover, and each reload says what changed', async () => {
    const transitions = (await nodes.instance('dir2')).transitions;
    // `said`: what the reload's summary says (checked on the log, which keeps every reload).
    const steps: { ids: number[]; active: number; said: string }[] = [
      { ids: [1, 2], active: 1, said: 'advert keys added: 2' },
      { ids: [1, 2], active: 2, said: 'active advert key 1 -> 2' },
      { ids: [2], active: 2, said: 'advert keys removed: 1' },
    ];
    // Sampled all along (bounded: until the rotation ends, and at most 2,000 times).
    let rotating = true;
    const seen: string[][] = [];
    const sampler = (async () => {
      for (let i = 0; rotating && i < 2000; i++) seen.push(await holders());
    })();
    try {
      for (const step of steps) {
        // The backup first, then the master a second later: the order an operator may take.
        for (const [host, priority] of [['dir2', 100], ['dir1', 150]] as const) {
          await writeFile(nodes.configFile(host), stringify(config(priority, step.ids, step.active)));
          // The key ids in force, as the status says them: a reload the file watch ran twice
          // (a write seen as two changes) would leave `no change` as the last summary.
          let last: unknown;
          await waitFor(`${host} to reload: ${step.said}`, async () => {
            const { auth, reload } = await nodes.status(host);
            last = { auth, reload: reload.last };
            return JSON.stringify(auth) === JSON.stringify({ type: 'hmac-sha256', keys: step.ids, active: step.active });
          }, 30_000).catch((err: Error) => {
            throw new Error(`${err.message}; its status: ${JSON.stringify(last)}`);
          });
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    } finally {
      rotating = false;
      await sampler;
    }
    for (const host of ['dir1', 'dir2']) {
      const log = nodes.daemons.get(host)?.output() ?? '';
      for (const step of steps) expect(log, `${host}: ${step.said}`).toContain(step.said);
    }
    expect(seen.length).toBeGreaterThan(10);
    expect(seen.filter((h) => h.length !== 1)).toEqual([]);
    for (const host of ['dir1', 'dir2']) expect((await nodes.status(host)).adverts.rejected.hmac ?? 0, host).toBe(0);
    expect((await nodes.instance('dir2')).transitions).toBe(transitions);
    expect((await nodes.instance('dir1')).state).toBe('MASTER');
  });
});

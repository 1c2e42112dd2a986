import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { withDirectorLab } from '../support/director-lab.js';
import { waitFor } from '../support/netns.js';
import { VIP, pairConfig, webService } from '../support/pair.js';

/*
 * VRRP keeps its own event loop: the checks, IPVS and the reading of a reloaded file run on the
 * daemon's services thread. Here the master reloads a file of 50,000 real servers (parsed,
 * validated, diffed and printed as a --dry-run batch: seconds of work) while its backup counts
 * the adverts that reach it. Were the work on the VRRP loop, the master would fall silent for
 * as long as it lasted. Counts and states only; how long the gaps are is scripts/bench isolation's.
 */
const INTERVAL_MS = 100;

function withServers(priority: number, count: number): Record<string, unknown> {
  const servers = Array.from({ length: count }, (_, i) => ({ address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 80 }));
  return pairConfig({ priority, extra: { virtual_services: [webService({ type: 'tcp', interval: 60 }, servers.slice(0, 1)), { ...webService({ type: 'tcp', interval: 60 }, []), name: 'bulk', port: 81, check: undefined, real_servers: servers }] } });
}

describe('the VRRP loop and the services thread', () => {
  const ctx = withDirectorLab();

  it('the master keeps advertising through a reload of 50,000 real servers, and nobody fails over', async () => {
    const { nodes } = ctx;
    await nodes.start('dir1', withServers(150, 10), undefined, ['--dry-run']);
    await nodes.waitState('dir1', 'MASTER');
    await nodes.start('dir2', pairConfig({ priority: 100 }));
    await nodes.waitFollowing('dir2', '192.0.2.1');
    const before1 = await nodes.status('dir1');
    expect(before1.process.servicesThread).toBe(true);
    // The backup has no services: no thread of its own.
    expect((await nodes.status('dir2')).process.servicesThread).toBe(false);
    const received = async () => (await nodes.status('dir2')).adverts.received;
    const transitions = async () => (await nodes.instance('dir1')).transitions + (await nodes.instance('dir2')).transitions;
    const transitionsBefore = await transitions();
    const heardBefore = await received();
    const startedAt = Date.now();
    await writeFile(nodes.configFile('dir1'), stringify(withServers(150, 50_000)));
    const last = await waitFor('the big reload', async () => {
      const r = (await nodes.status('dir1')).reload;
      return r.ok > before1.reload.ok ? r.last : undefined;
    }, 110_000, 500);
    const elapsed = Date.now() - startedAt;
    const heard = (await received()) - heardBefore;
    expect(last?.ok).toBe(true);
    // The file was real work: were it quick, this test would prove nothing.
    expect(last?.ms, 'the reload should take long enough to matter').toBeGreaterThan(5 * INTERVAL_MS);
    expect(heard, `adverts heard in ${elapsed} ms`).toBeGreaterThanOrEqual(Math.floor(elapsed / INTERVAL_MS / 2));
    const changes = (host: string) => (nodes.daemons.get(host)?.output() ?? '').split('\n').filter((l) => l.includes(' -> '));
    expect(await transitions(), [...changes('dir1'), ...changes('dir2')].join('\n')).toBe(transitionsBefore);
    expect((await nodes.status('dir1')).ipvs?.services.find((s) => s.service.endsWith(':81'))?.desired.length).toBe(50_000);
    expect((await nodes.instance('dir1')).vips).toEqual([`${VIP}/24`]);
  });
});

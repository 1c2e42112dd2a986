import { describe, expect, it } from 'vitest';
import { withDirectorLab } from '../support/director-lab.js';
import { waitFor } from '../support/netns.js';
import { KEY, pairConfig } from '../support/pair.js';

/*
 * On this host's kernel, which has no IPVS: the daemon says so plainly, keeps VRRP going, and
 * with --dry-run prints the batch it would apply. (The real-IPVS suite runs in scripts/vm.)
 */
describe('IPVS on a kernel without it', () => {
  const ctx = withDirectorLab();
  const services = {
    virtual_services: [
      {
        protocol: 'tcp',
        address: '192.0.2.100',
        port: 80,
        scheduler: 'rr',
        real_servers: [
          { address: '198.51.100.11', port: 80, weight: 2 },
          { address: '198.51.100.12', port: 80, method: 'dr' },
        ],
      },
    ],
  };


  it('reports the missing IPVS in the log and the status, and VRRP carries on', async () => {
    const { nodes } = ctx;
    const d = await nodes.start('dir1', pairConfig({ priority: 150, extra: services }));
    const master = await nodes.waitState('dir1', 'MASTER');
    expect(master.state).toBe('MASTER');
    const status = await nodes.status('dir1');
    expect(status.ipvs?.lastError).toEqual({
      kind: 'no-ipvs',
      message: 'the kernel has no IPVS (ipvsadm: "Protocol not available"): load ip_vs (modprobe ip_vs) or run on a kernel with it',
    });
    expect(status.ipvs?.services).toEqual([
      { service: '-t 192.0.2.100:80', desired: ['198.51.100.11:80 w2', '198.51.100.12:80 w1'], actual: null, inSync: false },
    ]);
    expect(d.output()).toContain('IPVS: the kernel has no IPVS');
  });

  it('with --dry-run prints the ipvsadm batch it would apply', async () => {
    const { nodes } = ctx;
    const d = await nodes.start('dir2', pairConfig({ priority: 100, extra: services }), KEY, ['--dry-run']);
    await waitFor('the dry-run batch', async () => d.output().includes('-a -t 192.0.2.100:80 -r 198.51.100.12:80 -g -w 1'));
    expect(d.output()).toContain(
      '# tandem --dry-run: the ipvsadm -R batch it would apply (3 operations)\n' +
        '# the kernel table could not be read (the kernel has no IPVS (ipvsadm: "Protocol not available"): load ip_vs (modprobe ip_vs) or run on a kernel with it); diffed against an empty table\n' +
        '-A -t 192.0.2.100:80 -s rr\n-a -t 192.0.2.100:80 -r 198.51.100.11:80 -m -w 2\n-a -t 192.0.2.100:80 -r 198.51.100.12:80 -g -w 1\n',
    );
    // Boot order: the table first, then the instances (whose log lines are written in the background).
    await waitFor('the instance to start', async () => d.output().includes('INIT -> BACKUP'));
    const out = d.output();
    expect(out.indexOf('# tandem --dry-run')).toBeLessThan(out.indexOf('INIT -> BACKUP'));
  });
});

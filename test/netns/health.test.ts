import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildChecker } from '../../src/check/build.js';
import type { ServiceHealthStatus } from '../../src/daemon/services.js';
import { specsOf } from '../support/check-specs.js';
import { withDirectorLab } from '../support/director-lab.js';
import type { Spawned } from '../support/netns.js';
import { waitFor } from '../support/netns.js';
import { ROOT, TANDEM, pairConfig, webService } from '../support/pair.js';

/*
 * A director (IPVS in --dry-run: this kernel has none) health-checks three real HTTP servers
 * in their own namespaces: one good, one answering 500, one too slow. The checks decide the
 * desired table, the quorum lowers the instance's priority, and an operator drains servers
 * with `tandem drain` and with the maintenance directory.
 */
const RS = [
  { name: 'rs1', address: '192.0.2.11/24' },
  { name: 'rs2', address: '192.0.2.12/24' },
  { name: 'rs3', address: '192.0.2.13/24' },
];

describe('health checks drive the table, the quorum and the priority', () => {
  const ctx = withDirectorLab(RS);
  const servers = new Map<string, Spawned>();
  const maintenance = () => path.join(ctx.nodes.dir, 'maintenance');

  async function serve(host: string, mode: string): Promise<void> {
    const old = servers.get(host);
    if (old) {
      old.process.kill('SIGKILL');
      await old.process;
    }
    const s = ctx.lab.spawn(host, [process.execPath, path.join(ROOT, 'test/support/http-rs.mjs'), '8080', mode, host]);
    servers.set(host, s);
    await waitFor(`${host} to listen`, () => Promise.resolve(s.output().includes('ready')), 10_000);
  }

  const web = async (): Promise<ServiceHealthStatus> => {
    const s = await ctx.nodes.status('dir1');
    return s.services.find((x) => x.service === 'web') as ServiceHealthStatus;
  };
  const summary = async () => (await web()).servers.map((r) => `${r.server} ${r.healthy ? 'up' : 'down'}${r.drained ? ` drained:${r.drained}` : ''} ${r.weight ?? 'out'}`);
  const tandem = (args: string[]) => ctx.lab.exec('dir1', [process.execPath, TANDEM, ...args, '--state-dir', ctx.nodes.stateDir('dir1')]);

  beforeAll(async () => {
    await serve('rs1', 'ok');
    await serve('rs2', 'fail');
    await serve('rs3', 'slow');
    await mkdir(maintenance());
    const config = pairConfig({
      priority: 100,
      instance: { track_services: [{ service: 'web', weight: -50 }] },
      extra: {
        health: { maintenance_dir: maintenance() },
        virtual_services: [
          webService(
            { type: 'http', path: '/health', body_match: '^rs', interval: 0.2, timeout: 0.5, fall: 2, rise: 2 },
            RS.map((r) => ({ address: r.address.split('/')[0], port: 8080, method: 'nat' })),
            { quorum: 2, sorry_server: { address: '192.0.2.19', port: 8080 } },
          ),
        ],
      },
    });
    await ctx.nodes.start('dir1', config, undefined, ['--dry-run']);
  });

  it('takes out the server answering 500 and the one too slow, and the lost quorum lowers the priority', async () => {
    await waitFor('rs2 and rs3 down', async () => (await web()).healthyWeight === 1, 10_000);
    const svc = await web();
    expect(svc).toMatchObject({ quorum: 2, healthyWeight: 1, up: false, sorryServer: true });
    expect(svc.servers[1]?.last?.message).toBe('HTTP 500; expected 200-299');
    expect(svc.servers[2]?.last?.message).toBe('no answer within the 0.5 s timeout');
    // Below quorum the sorry server takes new connections; rs1 keeps its own at weight 0.
    expect(await summary()).toEqual(['192.0.2.11:8080 up 0', '192.0.2.12:8080 down out', '192.0.2.13:8080 down out']);
    const status = await ctx.nodes.status('dir1');
    expect(status.ipvs?.services[0]?.desired).toEqual(['192.0.2.11:8080 w0', '192.0.2.19:8080 w1']);
    expect(status.instances[0]).toMatchObject({ priority: 50, basePriority: 100 });
  });

  it('brings a server back after rise successes, which restores the quorum and the priority', async () => {
    await serve('rs2', 'ok');
    await waitFor('quorum back', async () => (await web()).up, 10_000);
    expect(await summary()).toEqual(['192.0.2.11:8080 up 1', '192.0.2.12:8080 up 1', '192.0.2.13:8080 down out']);
    expect((await ctx.nodes.instance('dir1')).priority).toBe(100);
    expect((await ctx.nodes.status('dir1')).ipvs?.services[0]?.desired).toEqual(['192.0.2.11:8080 w1', '192.0.2.12:8080 w1']);
  });

  it('drains and restores a server with tandem drain / undrain, and refuses an unknown one', async () => {
    await serve('rs3', 'ok');
    await waitFor('rs3 up', async () => (await web()).healthyWeight === 3, 10_000);
    expect(await tandem(['drain', '192.0.2.12:8080'])).toBe('drained (weight 0, connections finish): 192.0.2.12:8080 in web');
    await waitFor('rs2 drained', async () => (await summary())[1] === '192.0.2.12:8080 up drained:operator 0', 5_000);
    await expect(tandem(['drain', '192.0.2.99:8080'])).rejects.toThrow(/no real server in the config matches 192\.0\.2\.99:8080/);
    await tandem(['undrain', '192.0.2.12:8080']);
    await waitFor('rs2 restored', async () => (await summary())[1] === '192.0.2.12:8080 up 1', 5_000);
  });

  it('drains a server named by a file in the maintenance directory', async () => {
    await writeFile(path.join(maintenance(), '192.0.2.13'), '');
    await waitFor('rs3 drained', async () => (await summary())[2] === '192.0.2.13:8080 up drained:maintenance-dir 0', 5_000);
    await rm(path.join(maintenance(), '192.0.2.13'));
    await waitFor('rs3 restored', async () => (await summary())[2] === '192.0.2.13:8080 up 1', 5_000);
  });

  it('shows health in the human status', async () => {
    const text = await tandem(['status']);
    expect(text).toMatch(/SERVICE web {2}\(healthy weight 3, quorum 2\)/);
    expect(text).toMatch(/192\.0\.2\.11:8080 +http +up +1 +/);
  });

  it('runs as a checker-only director without instances: checks and the table, no VRRP', async () => {
    await ctx.nodes.kill('dir1', 'SIGTERM');
    const config = {
      auth: 'none',
      virtual_services: [webService({ type: 'http', path: '/health', interval: 0.2, timeout: 0.5, fall: 1 }, RS.map((r) => ({ address: r.address.split('/')[0], port: 8080, method: 'nat' })))],
    };
    await ctx.nodes.start('dir1', config, undefined, ['--dry-run']);
    await waitFor('all three up', async () => (await web()).healthyWeight === 3, 10_000);
    await serve('rs2', 'fail');
    await waitFor('rs2 out of the table', async () => (await ctx.nodes.status('dir1')).ipvs?.services[0]?.desired.join(' ') === '192.0.2.11:8080 w1 192.0.2.13:8080 w1', 10_000);
    const status = await ctx.nodes.status('dir1');
    expect(status).toMatchObject({ role: 'checker-only', instances: [], adverts: { received: 0 } });
    expect(await tandem(['status'])).toMatch(/^checker-only director: no VRRP instance/);
  });

  it('takes out a server with several checks when one of them fails, and brings it back when all pass', async () => {
    await ctx.nodes.kill('dir1', 'SIGTERM');
    const servers = RS.map((r) => ({ address: r.address.split('/')[0], port: 8080, method: 'nat' }));
    // rs2 answers 500: its tcp check passes, its http check fails.
    (servers[1] as Record<string, unknown>).checks = [
      { type: 'tcp', interval: 0.2, timeout: 0.5, fall: 1 },
      { type: 'http', path: '/health', interval: 0.2, timeout: 0.5, fall: 1 },
    ];
    const config = { auth: 'none', virtual_services: [webService({ type: 'tcp', interval: 0.2, timeout: 0.5, fall: 1 }, servers)] };
    await ctx.nodes.start('dir1', config, undefined, ['--dry-run']);
    await waitFor('rs2 out', async () => (await ctx.nodes.status('dir1')).ipvs?.services[0]?.desired.join(' ') === '192.0.2.11:8080 w1 192.0.2.13:8080 w1', 10_000);
    expect((await web()).servers[1]).toMatchObject({ check: 'tcp+http', healthy: false, last: { ok: false, message: 'HTTP 500; expected 200-299' } });
    await serve('rs2', 'ok');
    await waitFor('rs2 back', async () => (await web()).servers[1]?.healthy === true, 10_000);
    expect((await ctx.nodes.status('dir1')).ipvs?.services[0]?.desired).toEqual(['192.0.2.11:8080 w1', '192.0.2.12:8080 w1', '192.0.2.13:8080 w1']);
  });
});

describe('script checks', () => {
  it('run as the configured user, with the real server in their environment', async () => {
    const check = (user: string) => `{ type: script, user: ${user}, command: [sh, -c, 'test "$(id -un)" = nobody && test "$TANDEM_RS_ADDRESS:$TANDEM_RS_PORT" = 10.0.0.1:80'] }`;
    const [spec] = specsOf(check('nobody'), '[{ address: 10.0.0.1, port: 80 }]');
    const checker = await buildChecker(spec!);
    expect(await checker(AbortSignal.timeout(5000))).toEqual({ ok: true, message: 'exit 0' });
    const [missing] = specsOf(check('no-such-user-here'), '[{ address: 10.0.0.1, port: 80 }]');
    expect(await (await buildChecker(missing!))(AbortSignal.timeout(5000))).toEqual({ ok: false, message: 'no system user named "no-such-user-here"' });
  });
});

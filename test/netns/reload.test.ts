import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { withDirectorLab } from '../support/director-lab.js';
import { waitFor } from '../support/netns.js';
import { PingProbe, ROOT, TANDEM, VIP, pairConfig, webService } from '../support/pair.js';

/*
 * Hot reload on a live pair: a client pings the VIP every 10 ms while the master's config file
 * is edited (a weight, a VIP, a real server, a checker, an invalid edit, a save by rename).
 * No VRRP transition, no ping lost, each change applied (how fast is scripts/bench reload's job).
 */
const RS = [
  { name: 'rs1', address: '192.0.2.11/24' },
  { name: 'rs2', address: '192.0.2.12/24' },
  { name: 'client', address: '192.0.2.50/24' },
];

describe('hot reload on a live pair', () => {
  const ctx = withDirectorLab(RS);
  let probe: PingProbe;
  const server = (host: string, weight = 1, check?: Record<string, unknown>) => ({ address: `192.0.2.${host === 'rs1' ? 11 : 12}`, port: 8080, weight, ...(check ? { check } : {}) });
  const config = (priority: number, o: { vips?: string[]; servers?: Record<string, unknown>[] } = {}) =>
    pairConfig({
      priority,
      instance: { vips: o.vips ?? [`${VIP}/24`] },
      extra: {
        virtual_services: [webService({ type: 'http', interval: 0.2, timeout: 0.5, fall: 2 }, o.servers ?? [server('rs1'), server('rs2')])],
      },
    });
  const file = () => ctx.nodes.configFile('dir1');
  const edit = async (c: Record<string, unknown>) => writeFile(file(), stringify(c));
  const tandem = (args: string[]) => ctx.lab.exec('dir1', [process.execPath, TANDEM, ...args, '--state-dir', ctx.nodes.stateDir('dir1')]);
  const desired = async () => (await ctx.nodes.status('dir1')).ipvs?.services[0]?.desired ?? [];
  const transitions = async () => (await ctx.nodes.instance('dir1')).transitions + (await ctx.nodes.instance('dir2')).transitions;
  let before: number;

  /** Writes the change, then waits until `applied` says it is in effect. */
  async function change(write: () => Promise<void>, applied: () => Promise<boolean>): Promise<void> {
    await write();
    await waitFor('the change to apply', async () => (await applied()) || undefined, 30_000, 10);
  }

  beforeAll(async () => {
    for (const host of ['rs1', 'rs2']) {
      const s = ctx.lab.spawn(host, [process.execPath, path.join(ROOT, 'test/support/http-rs.mjs'), '8080', 'ok', host]);
      await waitFor(`${host} to listen`, () => Promise.resolve(s.output().includes('ready')), 10_000);
    }
    await ctx.nodes.start('dir1', config(150), undefined, ['--dry-run']);
    await ctx.nodes.waitState('dir1', 'MASTER');
    await ctx.nodes.start('dir2', config(100), undefined, ['--dry-run']);
    await ctx.nodes.waitState('dir2', 'BACKUP');
    await waitFor('checks to run', async () => (await ctx.nodes.status('dir1')).services[0]?.servers.every((r) => r.checks > 0), 5_000);
    before = await transitions();
    probe = PingProbe.start(ctx.lab, 'client', VIP, 120);
    await waitFor('the probe to get replies', () => Promise.resolve(probe.replies().length > 5), 5_000);
  });

  afterAll(async () => {
    await probe?.stop().catch(() => undefined);
  });

  it('applies a weight change as one edit of the table', async () => {
    await change(
      () => edit(config(150, { servers: [server('rs1', 3), server('rs2')] })),
      async () => (await desired()).includes('192.0.2.11:8080 w3'),
    );
    const last = (await ctx.nodes.status('dir1')).reload.last;
    expect(last).toMatchObject({ ok: true, summary: ['service web: 192.0.2.11:8080 weight 1 -> 3'] });
  });

  it('adds a VIP on the master without touching the other', async () => {
    await change(
      () => edit(config(150, { vips: [`${VIP}/24`, '192.0.2.101/24'], servers: [server('rs1', 3), server('rs2')] })),
      async () => (await ctx.lab.addresses('dir1')).includes('192.0.2.101/24'),
    );
    await writeFile(ctx.nodes.configFile('dir2'), stringify(config(100, { vips: [`${VIP}/24`, '192.0.2.101/24'], servers: [server('rs1', 3), server('rs2')] })));
    await waitFor('dir2 to reload', async () => (await ctx.nodes.status('dir2')).reload.ok >= 1, 5_000);
    expect(await ctx.lab.addresses('dir2')).not.toContain('192.0.2.101/24');
  });

  it('changes one server\'s checker: only that check restarts, the other keeps its health', async () => {
    const checksBefore = (await ctx.nodes.status('dir1')).services[0]?.servers[1]?.checks ?? 0;
    await change(
      () => edit(config(150, { vips: [`${VIP}/24`, '192.0.2.101/24'], servers: [server('rs1', 3, { type: 'tcp', interval: 0.2 }), server('rs2')] })),
      async () => (await ctx.nodes.status('dir1')).services[0]?.servers[0]?.check === 'tcp',
    );
    const rs2 = (await ctx.nodes.status('dir1')).services[0]?.servers[1];
    expect(rs2?.checks).toBeGreaterThanOrEqual(checksBefore);
    expect(rs2?.healthy).toBe(true);
  });

  it('refuses an invalid edit with its line, keeps the running config, and tandem reload exits non-zero', async () => {
    const good = await readFile(file(), 'utf8');
    await writeFile(file(), good.replace('priority: 150', 'prority: 150'));
    await waitFor('the refusal', async () => (await ctx.nodes.status('dir1')).reload.last?.ok === false, 5_000);
    const status = await ctx.nodes.status('dir1');
    expect(status.reload.last?.error).toMatch(/dir1\.yaml:\d+:\d+: instances\[0\]: unknown key "prority"; did you mean "priority"\?/);
    expect(status.instances[0]).toMatchObject({ state: 'MASTER', basePriority: 150 });
    await expect(tandem(['reload'])).rejects.toThrow(/unknown key "prority"/);
    await writeFile(file(), good);
    await waitFor('the good file back', async () => (await ctx.nodes.status('dir1')).reload.last?.ok === true, 5_000);
  });

  it('follows a save by rename (as editors do), adds a real server, and reloads on SIGHUP', async () => {
    const tmp = `${file()}.tmp`;
    const servers = [server('rs1', 3, { type: 'tcp', interval: 0.2 }), server('rs2'), { address: '192.0.2.13', port: 8080 }];
    await change(
      async () => {
        await writeFile(tmp, stringify(config(150, { vips: [`${VIP}/24`, '192.0.2.101/24'], servers })));
        await rename(tmp, file());
      },
      async () => (await desired()).some((d) => d.startsWith('192.0.2.13:8080')),
    );
    const reloads = (await ctx.nodes.status('dir1')).reload.ok;
    ctx.nodes.daemons.get('dir1')?.process.kill('SIGHUP');
    await waitFor('the SIGHUP reload', async () => (await ctx.nodes.status('dir1')).reload.last?.trigger === 'SIGHUP', 5_000);
    expect((await ctx.nodes.status('dir1')).reload.ok).toBe(reloads + 1);
  });

  it('serves /metrics as Prometheus text that agrees with the status', async () => {
    const text = await ctx.lab.exec('dir1', [process.execPath, '-e', "fetch('http://127.0.0.1:9798/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))"]);
    const samples = new Map<string, number>();
    const typed = new Set<string>();
    for (const line of text.split('\n').filter(Boolean)) {
      const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (type) typed.add(type[1] as string);
      if (line.startsWith('#')) continue;
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/.exec(line);
      expect(m, `not Prometheus text: ${line}`).not.toBeNull();
      samples.set(`${m?.[1]}${m?.[2] ?? ''}`, Number(m?.[3]));
    }
    for (const name of ['tandem_instance_state', 'tandem_reloads_total', 'tandem_real_server_up', 'tandem_adverts_sent_total', 'tandem_nodejs_eventloop_lag_p99_seconds', 'tandem_event_loop_delay_p99_seconds']) expect(typed).toContain(name);
    expect(samples.get('tandem_instance_state{instance="VI_1",state="MASTER"}')).toBe(1);
    expect(samples.get('tandem_reloads_total{result="refused"}')).toBe(2); // the edit, and tandem reload while it stood
    expect(samples.get('tandem_reloads_total{result="ok"}')).toBeGreaterThanOrEqual(5);
    expect(samples.get('tandem_real_server_up{service="web",server="192.0.2.12:8080"}')).toBe(1);
    expect(samples.get('tandem_real_server_weight{service="web",server="192.0.2.11:8080"}')).toBe(3);
  });

  it('made no VRRP transition and lost no ping', async () => {
    expect(await transitions()).toBe(before);
    const result = await probe.stop();
    expect(result.lost).toBe(0);
  });
});

import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDirectorLab } from '../support/director-lab.js';
import type { Spawned } from '../support/netns.js';
import { alive, waitFor } from '../support/netns.js';
import { ROOT, VIP, pairConfig } from '../support/pair.js';

/*
 * Full NAT with the client's address passed on (`client_address`): HAProxy, run by tandem,
 * carries the services (this kernel has no IPVS; none is needed for them). A client asks the
 * VIP; the real servers answer the director (fullnat) and learn the client's address from an
 * HTTP header or a PROXY protocol line. tandem's checks take a dead server out through
 * HAProxy's runtime API, without a reload; a reload of the services reloads HAProxy; a stop
 * stops it.
 */
const CLIENT = { name: 'client', address: '192.0.2.50/24' };
const RS = [
  { name: 'rs1', address: '192.0.2.11/24' },
  { name: 'rs2', address: '192.0.2.12/24' },
];
const ip = (h: { address: string }) => h.address.split('/')[0] as string;

function config(header: string): Record<string, unknown> {
  return pairConfig({
    priority: 100,
    extra: {
      virtual_services: [
        {
          name: 'web',
          protocol: 'tcp',
          address: VIP,
          port: 80,
          scheduler: 'rr',
          client_address: { http_header: header },
          check: { type: 'http', path: '/', interval: 0.2, timeout: 1, fall: 1, rise: 1 },
          real_servers: RS.map((r) => ({ address: ip(r), port: 8080, method: 'fullnat' })),
        },
        {
          name: 'raw',
          protocol: 'tcp',
          address: VIP,
          port: 2525,
          scheduler: 'wlc',
          client_address: { proxy_protocol: 1 },
          check: { type: 'tcp', interval: 0.2, timeout: 1, fall: 1, rise: 1 },
          real_servers: [{ address: ip(RS[0] as { address: string }), port: 2525, method: 'fullnat' }],
        },
      ],
    },
  });
}

/** A client request from the client host: an HTTP GET (the body) or a line over TCP (the answer). */
const CLIENT_SCRIPT = `
const [kind, host, port] = process.argv.slice(1);
const net = require('node:net');
const done = (s) => { process.stdout.write(s); process.exit(0); };
setTimeout(() => done('timeout\\n'), 5000);
if (kind === 'http') {
  require('node:http').get({ host, port, path: '/', agent: false }, (res) => { let b = ''; res.setEncoding('utf8'); res.on('data', (d) => (b += d)); res.on('end', () => done(b)); }).on('error', (e) => done('error ' + e.message + '\\n'));
} else {
  const c = net.connect(Number(port), host); let b = ''; c.setEncoding('utf8');
  c.on('data', (d) => (b += d)); c.on('end', () => done(b)); c.on('error', (e) => done('error ' + e.message + '\\n'));
}`;

describe('client_address: fullnat services carried by HAProxy pass the client address on', () => {
  const ctx = withDirectorLab([CLIENT, ...RS]);
  const servers = new Map<string, Spawned>();
  const ask = async (kind: 'http' | 'tcp', port: number) => (await ctx.lab.exec('client', [process.execPath, '-e', CLIENT_SCRIPT, kind, VIP, String(port)])).trim();
  // HAProxy's master, by the pid file tandem gives it, while it runs.
  const haproxyMaster = async () => {
    const pid = Number((await readFile(path.join(ctx.nodes.stateDir('dir1'), 'haproxy.pid'), 'utf8').catch(() => '')).trim());
    return pid > 1 && alive(pid) ? pid : undefined;
  };

  // HAProxy runs in a session of its own (it outlives a killed tandem by design): whatever the
  // tests did, none started on this lab's state dirs is left.
  afterAll(async () => {
    for (const entry of await readdir('/proc')) {
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
      if (/^\d+$/.test(entry) && cmdline.startsWith('haproxy') && cmdline.includes(ctx.nodes.dir)) process.kill(Number(entry), 'SIGKILL');
    }
  });

  beforeAll(async () => {
    for (const r of RS) {
      const s = ctx.lab.spawn(r.name, [process.execPath, path.join(ROOT, 'test/support/http-rs.mjs'), '8080', 'echo', r.name]);
      servers.set(r.name, s);
      await waitFor(`${r.name} to listen`, async () => s.output().includes('ready'), 10_000);
    }
    const raw = ctx.lab.spawn('rs1', [process.execPath, path.join(ROOT, 'test/support/proxy-rs.mjs'), '2525', 'rs1']);
    await waitFor('rs1 to listen on 2525', async () => raw.output().includes('ready'), 10_000);
    await ctx.nodes.start('dir1', config('X-Client'));
    await ctx.nodes.waitState('dir1', 'MASTER');
  });

  it('an HTTP header and a PROXY protocol line carry the client address to the real servers, which see the director as their peer', async () => {
    await waitFor('HAProxy to carry both services, every server in', async () => (await ctx.nodes.status('dir1')).proxy?.serversIn === 3, 15_000, 100);
    // Round robin: both servers answer (HAProxy's weighted round robin need not alternate strictly).
    const answers = new Set<string>();
    for (let i = 0; i < 6; i++) answers.add(await ask('http', 80));
    expect([...answers].sort()).toEqual([`rs1 x-client=${ip(CLIENT)} peer=${ip(DIRECTOR)}`, `rs2 x-client=${ip(CLIENT)} peer=${ip(DIRECTOR)}`]);
    expect(await ask('tcp', 2525)).toBe(`rs1 client=${ip(CLIENT)} peer=${ip(DIRECTOR)}`);
    // The IPVS side has nothing to do: every service is HAProxy's.
    const status = await ctx.nodes.status('dir1');
    expect(status.ipvs).toBeNull();
    expect(status.proxy).toMatchObject({ services: 2, serversIn: 3, serversOut: 0, reloads: 0, lastError: null });
  });

  it("takes a dead server out through HAProxy's runtime API, without a reload, and back when it returns", async () => {
    const rs1 = servers.get('rs1') as Spawned;
    rs1.process.kill('SIGUSR1');
    await waitFor('rs1 out', async () => (await ctx.nodes.status('dir1')).proxy?.serversIn === 2, 10_000, 50);
    const answers = new Set<string>();
    for (let i = 0; i < 4; i++) answers.add(await ask('http', 80));
    expect([...answers]).toEqual([`rs2 x-client=${ip(CLIENT)} peer=${ip(DIRECTOR)}`]);
    rs1.process.kill('SIGUSR2');
    await waitFor('rs1 back', async () => (await ctx.nodes.status('dir1')).proxy?.serversIn === 3, 10_000, 50);
    const again = new Set<string>();
    for (let i = 0; i < 6; i++) again.add((await ask('http', 80)).split(' ')[0] as string);
    expect([...again].sort()).toEqual(['rs1', 'rs2']);
    expect((await ctx.nodes.status('dir1')).proxy).toMatchObject({ reloads: 0, lastError: null });
  });

  it('reloads HAProxy when the services change, and stops it with tandem', async () => {
    const before = await haproxyMaster();
    expect(before).toBeDefined();
    await writeFile(ctx.nodes.configFile('dir1'), stringify(config('X-Real-Client')));
    await waitFor('the reload', async () => (await ctx.nodes.status('dir1')).proxy?.reloads === 1, 15_000, 100);
    // The header was renamed: the real server sees none under the old name.
    expect(await ask('http', 80)).toMatch(/^rs[12] x-client=- peer=/);
    // The same master, a new worker.
    expect(await haproxyMaster()).toBe(before);
    await ctx.nodes.kill('dir1', 'SIGTERM');
    await waitFor('HAProxy to stop', async () => (await haproxyMaster()) === undefined, 10_000, 100);
  });

  it('outlives a killed tandem, and the next tandem stops that HAProxy and starts its own', async () => {
    await ctx.nodes.start('dir1', config('X-Client'));
    await ctx.nodes.waitState('dir1', 'MASTER');
    await waitFor('HAProxy to carry every server', async () => (await ctx.nodes.status('dir1')).proxy?.serversIn === 3, 15_000, 100);
    // Killed, tandem leaves its VIP (as after a crash; `tandem cleanup` would take it away).
    const orphan = (await haproxyMaster()) as number;
    await ctx.nodes.kill('dir1', 'SIGKILL');
    // Still serving: a crash of tandem does not take the service down.
    expect(alive(orphan)).toBe(true);
    expect(await ask('tcp', 2525)).toBe(`rs1 client=${ip(CLIENT)} peer=${ip(DIRECTOR)}`);
    await ctx.nodes.start('dir1', config('X-Client'));
    await waitFor('the new HAProxy to carry every server', async () => (await ctx.nodes.status('dir1')).proxy?.serversIn === 3, 15_000, 100);
    await waitFor('the orphan to finish', async () => !alive(orphan), 10_000, 100);
    expect(await haproxyMaster()).not.toBe(orphan);
    expect(await ask('http', 80)).toMatch(new RegExp(`^rs[12] x-client=${ip(CLIENT).replace(/\./g, '\\.')} `));
    await ctx.nodes.kill('dir1', 'SIGTERM');
    await waitFor('HAProxy to stop', async () => (await haproxyMaster()) === undefined, 10_000, 100);
  });
});

const DIRECTOR = { address: '192.0.2.1/24' };

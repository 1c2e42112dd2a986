import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { birdStaticConfig } from '../../src/cluster/announce.js';
import { Lab, ip, waitFor } from '../support/netns.js';
import { ROOT, TANDEM, TandemNodes } from '../support/pair.js';

/*
 * Cluster mode on the real IPVS kernel: three directors behind a router that spreads flows over
 * them (BGP through BIRD, ECMP with an L4 hash), each with IPVS DR, Maglev hashing (mh with
 * mh-port) and sloppy_tcp, to three real servers that answer the clients directly.
 *   client 172.16.0.2 --- router (.1; 10.0.0.254; 198.51.100.254) --- dir1-3 10.0.0.1-3
 *   dir1-3 198.51.100.1-3 --- rs1-3 198.51.100.11-13 (VIP on lo, replies via the router)
 * A flow that a drained director carried goes on through another director to the same real
 * server: the Maglev property the cluster is for.
 */
const VIP = '203.0.113.100';
const DIRS = ['dir1', 'dir2', 'dir3'];
const SERVERS = ['rs1', 'rs2', 'rs3'];
const TIMERS = 'connect delay time 1; connect retry time 2; hold time 6; keepalive time 2;';
/** Bounds, not goals: in the guest a fork costs 0.1-1 s. */
const BOUND_MS = 120_000;

/** n new connections in turn to VIP:80, each from a new source port: the bodies, or `failed: WHY`. */
const CLIENT = `
const http = require('http');
const get = () => new Promise((ok) => { const q = http.get({ host: '${VIP}', port: 80, agent: false, timeout: 10000 }, (r) => { let b = ''; r.on('data', (c) => (b += c)); r.on('end', () => ok(b.trim())); }); q.on('timeout', () => q.destroy(new Error('timed out'))); q.on('error', (e) => ok('failed: ' + e.message)); });
(async () => { const out = []; for (let i = 0; i < Number(process.argv[1]); i++) out.push(await get()); console.log(JSON.stringify(out)); })();
`;

/**
 * One long-lived connection: a request at once ("first PORT BODY"), then one more on the same
 * connection for each line on stdin ("again BODY", or "failed WHY" when the connection broke).
 */
const KEEPALIVE = `
const net = require('net');
const s = net.connect(80, '${VIP}');
let buf = '', want = null;
const ask = (then) => { want = then; s.write('GET / HTTP/1.1\\r\\nHost: vip\\r\\n\\r\\n'); };
s.on('data', (d) => { buf += d; const end = buf.indexOf('\\r\\n\\r\\n'); if (end < 0) return; const len = Number(/content-length: *(\\d+)/i.exec(buf.slice(0, end))[1]); if (buf.length < end + 4 + len) return; const body = buf.slice(end + 4, end + 4 + len).trim(); buf = buf.slice(end + 4 + len); want(body); });
s.on('error', (e) => console.log('failed ' + e.message));
s.on('close', () => console.log('failed closed'));
s.on('connect', () => ask((b) => console.log('first ' + s.localPort + ' ' + b)));
process.stdin.on('data', () => ask((b) => console.log('again ' + b)));
`;

describe('cluster mode on the real IPVS kernel: ECMP over three directors, Maglev hashing', () => {
  let lab: Lab;
  let nodes: TandemNodes;
  const file = (host: string, name: string) => path.join(nodes.dir, `${host}-${name}`);
  const inNs = (host: string, argv: string[]) => lab.exec(host, argv, BOUND_MS);

  const nextHops = async (): Promise<string[]> => {
    const [route] = JSON.parse(await ip(['-n', lab.ns('router'), '-j', 'route', 'show', `${VIP}/32`])) as { gateway?: string; nexthops?: { gateway: string }[] }[];
    if (!route) return [];
    return (route.nexthops?.map((n) => n.gateway) ?? (route.gateway ? [route.gateway] : [])).sort();
  };
  const waitHops = (hops: string[]) => waitFor(`the router's next hops for ${VIP} to be [${hops.join(', ')}]`, async () => JSON.stringify(await nextHops()) === JSON.stringify(hops), BOUND_MS, 200);
  const requests = async (n: number) => JSON.parse(await inNs('client', [process.execPath, '-e', CLIENT, String(n)])) as string[];
  /** The directors whose IPVS tables hold the client's connection from `port`. */
  const carriers = async (port: string) => {
    const found = [];
    for (const d of DIRS) if ((await inNs(d, ['ipvsadm', '-Lnc'])).includes(`172.16.0.2:${port}`)) found.push(d);
    return found;
  };

  const startBird = async (host: string, config: string) => {
    await writeFile(file(host, 'bird.conf'), config);
    lab.spawn(host, ['bird', '-f', '-c', file(host, 'bird.conf'), '-s', file(host, 'bird.ctl'), '-P', file(host, 'bird.pid')]);
  };

  beforeAll(async () => {
    lab = await Lab.create([
      { name: 'router', address: '10.0.0.254/24', links: [{ dev: 'eth1', bridge: 'cli', address: '172.16.0.1/24' }, { dev: 'eth2', bridge: 'back', address: '198.51.100.254/24' }] },
      ...DIRS.map((name, i) => ({ name, address: `10.0.0.${i + 1}/24`, links: [{ dev: 'eth1', bridge: 'back', address: `198.51.100.${i + 1}/24` }] })),
      ...SERVERS.map((name, i) => ({ name, address: `198.51.100.${11 + i}/24`, bridge: 'back' })),
      { name: 'client', address: '172.16.0.2/24', bridge: 'cli' },
    ]);
    nodes = await TandemNodes.create(lab);
    // The router: forwards, hashes flows on their ports over the next hops (ECMP).
    await inNs('router', ['sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv4.fib_multipath_hash_policy=1']);
    await inNs('client', ['ip', 'route', 'add', 'default', 'via', '172.16.0.1']);
    for (const rs of SERVERS) {
      // DR: the VIP on lo, never answered for by ARP; replies go to the client via the router.
      await inNs(rs, ['ip', 'addr', 'add', `${VIP}/32`, 'dev', 'lo']);
      await inNs(rs, ['sysctl', '-qw', 'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2']);
      await inNs(rs, ['ip', 'route', 'add', 'default', 'via', '198.51.100.254']);
      const server = lab.spawn(rs, [process.execPath, path.join(ROOT, 'test/support/http-rs.mjs'), '80', 'ok', rs]);
      await waitFor(`${rs} to listen`, () => Promise.resolve(server.output().includes('ready')), BOUND_MS, 100);
    }
    await startBird(
      'router',
      `router id 10.0.0.254;
protocol device { }
protocol kernel { ipv4 { import none; export all; }; merge paths on; }
${DIRS.map((d, i) => `protocol bgp ${d} { local 10.0.0.254 as 65000; neighbor 10.0.0.${i + 1} as 65001; ${TIMERS} ipv4 { import all; export none; }; }`).join('\n')}
`,
    );
    for (const [i, d] of DIRS.entries()) {
      await inNs(d, ['ip', 'route', 'add', 'default', 'via', '10.0.0.254']);
      await writeFile(file(d, 'tandem.bird.conf'), birdStaticConfig('tandem_vips', []));
      await startBird(
        d,
        `router id 10.0.0.${i + 1};
protocol device { }
include "${file(d, 'tandem.bird.conf')}";
protocol bgp uplink { local 10.0.0.${i + 1} as 65001; neighbor 10.0.0.254 as 65000; ${TIMERS} ipv4 { import none; export where proto = "tandem_vips"; next hop self; }; }
`,
      );
      await nodes.start(d, {
        auth: 'none',
        announce: { bird: { file: file(d, 'tandem.bird.conf'), socket: file(d, 'bird.ctl') } },
        ipvs: { exclusive: true, sloppy_tcp: true },
        virtual_services: [
          {
            name: 'web',
            protocol: 'tcp',
            address: VIP,
            port: 80,
            scheduler: 'mh',
            scheduler_flags: ['mh-port'],
            check: { type: 'tcp', interval: 1, timeout: 2 },
            real_servers: SERVERS.map((_, k) => ({ address: `198.51.100.${11 + k}`, port: 80, method: 'dr' })),
          },
        ],
      });
    }
    await waitHops(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  }, 600_000);

  afterAll(async () => {
    await lab?.destroy();
    await nodes?.cleanup();
  });

  it('spreads new connections over the directors; every one is answered', async () => {
    const answers = await requests(30);
    expect(answers.filter((a) => !SERVERS.includes(a))).toEqual([]);
    const connections = async () => {
      const carried = [];
      for (const d of DIRS) carried.push(Number(/TCP\s+\S+\s+(\d+)/.exec(await inNs(d, ['ipvsadm', '-Ln', '--stats', '-t', `${VIP}:80`]))?.[1] ?? 0));
      return carried;
    };
    // The kernel sums its per-CPU counters every 2 s: the 30 show up within a few seconds.
    const carried = await waitFor('the directors to count the 30 connections', async () => {
      const c = await connections();
      return c.reduce((a, b) => a + b, 0) >= 30 ? c : undefined;
    }, BOUND_MS, 500);
    // Each flow went to one director (the hash is per flow), and 30 flows hashed on their ports
    // over three next hops reach more than one director.
    expect(carried.reduce((a, b) => a + b, 0)).toBe(30);
    expect(carried.filter((c) => c > 0).length).toBeGreaterThan(1);
  });

  it('drain-director: the drained director\'s established flow goes on through another, to the same real server; no new request fails', async () => {
    const client = execa('ip', ['netns', 'exec', lab.ns('client'), process.execPath, '-e', KEEPALIVE], { buffer: false, stdin: 'pipe', reject: false, timeout: BOUND_MS * 2 }) as ResultPromise;
    let out = '';
    client.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const first = await waitFor('the first answer', () => Promise.resolve(/^first (\d+) (\S+)$/m.exec(out) ?? undefined), BOUND_MS, 50);
      const [, port, server] = first;
      const [drained] = await waitFor('the director carrying the flow', async () => {
        const found = await carriers(port as string);
        return found.length === 1 ? found : undefined;
      }, BOUND_MS, 100);
      if (!drained) throw new Error('no director carries the flow');
      const cli = await execa('ip', ['netns', 'exec', lab.ns(drained), process.execPath, TANDEM, 'drain-director', '--timeout', '1', '--state-dir', nodes.stateDir(drained)], { reject: false, timeout: BOUND_MS });
      // The long-lived connection is still open on it: the drain says so, and exits 1.
      expect(cli.stdout).toContain(`withdrawn: ${VIP}`);
      expect(cli.stdout).toMatch(/\d+ connection\(s\) still open after/);
      expect(cli.exitCode).toBe(1);
      await waitHops(['10.0.0.1', '10.0.0.2', '10.0.0.3'].filter((h) => h !== `10.0.0.${drained.slice(3)}`));
      // The router now sends the flow to another director, which (sloppy_tcp) takes it up
      // mid-connection and (mh) picks the same real server.
      client.stdin?.write('go\n');
      const again = await waitFor('the second answer on the same connection', () => Promise.resolve(/^(again|failed) (.+)$/m.exec(out) ?? undefined), BOUND_MS, 50);
      expect(again[0]).toBe(`again ${server}`);
      // Another director took the flow up (the drained one keeps its old entry until it times out).
      expect((await carriers(port as string)).filter((d) => d !== drained)).toHaveLength(1);
      // New connections meanwhile go to the other two, all answered.
      expect((await requests(10)).filter((a) => !SERVERS.includes(a))).toEqual([]);
      await execa('ip', ['netns', 'exec', lab.ns(drained), process.execPath, TANDEM, 'undrain-director', '--state-dir', nodes.stateDir(drained)], { timeout: BOUND_MS });
      await waitHops(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    } finally {
      client.kill('SIGKILL');
      await client;
    }
  });
});

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { birdStaticConfig } from '../../src/cluster/announce.js';
import { birdSocket, nextHopsTo, startBird as startBirdIn } from '../support/bird.js';
import { Lab, ip, waitFor } from '../support/netns.js';
import { TANDEM, TandemNodes } from '../support/pair.js';
import { run } from '../support/programs.js';

/*
 * Cluster mode with a real BGP speaker: a router running BIRD 2 (ECMP: the kernel gets one
 * multipath route), two directors each running BIRD as their operator would (it includes
 * tandem's file and exports its protocol) and tandem with `announce`. The routes follow the
 * services' quorum (a file check makes it), drain-director and stop.
 *   router 10.0.0.254 (AS 65000) --- dir1 10.0.0.1, dir2 10.0.0.2 (AS 65001)
 */
const VIP = '203.0.113.100';
const TIMERS = 'connect delay time 1; connect retry time 2; hold time 3; keepalive time 1;';

describe('cluster mode: addresses announced over BGP through BIRD', () => {
  let lab: Lab;
  let nodes: TandemNodes;
  const file = (host: string, name: string) => path.join(nodes.dir, `${host}-${name}`);

  /** The router's kernel route to the VIP: its next hops, sorted. */
  const nextHops = () => nextHopsTo(lab, 'router', `${VIP}/32`);
  const waitHops = (hops: string[]) => waitFor(`the router's next hops for ${VIP} to be [${hops.join(', ')}]`, async () => JSON.stringify(await nextHops()) === JSON.stringify(hops), 20_000, 100);

  const tandemConfig = (host: string) => ({
    auth: 'none',
    files: { health: { path: file(host, 'health'), weight: 0, init: 0 } },
    announce: { bird: { file: file(host, 'tandem.bird.conf'), socket: birdSocket(nodes.dir, host) } },
    virtual_services: [
      {
        name: 'web',
        protocol: 'tcp',
        address: VIP,
        port: 80,
        scheduler: 'mh',
        check: { type: 'file', file: 'health', interval: 0.1 },
        real_servers: [{ address: '198.51.100.11', port: 80, method: 'dr' }],
      },
    ],
  });

  const startBird = (host: string, config: string) => startBirdIn(lab, nodes.dir, host, config);

  beforeAll(async () => {
    for (const tool of ['bird', 'birdc']) {
      await run('which', [tool]).catch(() => {
        throw new Error(`${tool} is missing: apt-get install bird2 (scripts/test installs it)`);
      });
    }
    lab = await Lab.create([
      { name: 'router', address: '10.0.0.254/24' },
      { name: 'dir1', address: '10.0.0.1/24' },
      { name: 'dir2', address: '10.0.0.2/24' },
    ]);
    nodes = await TandemNodes.create(lab);
    await startBird(
      'router',
      `router id 10.0.0.254;
protocol device { }
protocol kernel { ipv4 { import none; export all; }; merge paths on; }
${[1, 2].map((n) => `protocol bgp dir${n} { local 10.0.0.254 as 65000; neighbor 10.0.0.${n} as 65001; ${TIMERS} ipv4 { import all; export none; }; }`).join('\n')}
`,
    );
    for (const n of [1, 2]) {
      const host = `dir${n}`;
      // The operator's bird.conf includes tandem's file, which must exist before BIRD starts.
      await writeFile(file(host, 'tandem.bird.conf'), birdStaticConfig('tandem_vips', []));
      await startBird(
        host,
        `router id 10.0.0.${n};
protocol device { }
include "${file(host, 'tandem.bird.conf')}";
protocol bgp uplink { local 10.0.0.${n} as 65001; neighbor 10.0.0.254 as 65000; ${TIMERS} ipv4 { import none; export where proto = "tandem_vips"; next hop self; }; }
`,
      );
      await nodes.start(host, tandemConfig(host));
    }
  });

  afterAll(async () => {
    await lab?.destroy();
    await nodes?.cleanup();
  });

  it('both directors announce the VIP while its service has quorum: the router spreads it over both', async () => {
    await waitHops(['10.0.0.1', '10.0.0.2']);
    const status = await nodes.status('dir1');
    expect(status.role).toBe('cluster');
    expect(status.cluster).toMatchObject({ addresses: [VIP], announced: [VIP], drained: false, lastError: null });
    // The VIP is local on lo, so IPVS takes its traffic.
    expect(await ip(['-n', lab.ns('dir1'), '-o', 'addr', 'show', 'dev', 'lo'])).toContain(`${VIP}/32`);
  });

  it('a director whose service loses its quorum withdraws, and announces again when it is back', async () => {
    await writeFile(file('dir1', 'health'), '1\n');
    await waitHops(['10.0.0.2']);
    expect((await nodes.status('dir1')).cluster).toMatchObject({ addresses: [VIP], announced: [] });
    await writeFile(file('dir1', 'health'), '0\n');
    await waitHops(['10.0.0.1', '10.0.0.2']);
  });

  it('drain-director withdraws, waits for the connections and reports; undrain-director announces again', async () => {
    const cli = (command: string) => lab.exec('dir2', [process.execPath, TANDEM, command, '--state-dir', nodes.stateDir('dir2')], 30_000);
    const out = await cli('drain-director');
    expect(out).toContain(`withdrawn: ${VIP}`);
    expect(out).toMatch(/drained: no connection left after [\d.]+ s; safe to stop/);
    await waitHops(['10.0.0.1']);
    expect((await nodes.status('dir2')).cluster).toMatchObject({ drained: true, announced: [] });
    expect(await cli('undrain-director')).toBe(`announcing again: ${VIP}`);
    await waitHops(['10.0.0.1', '10.0.0.2']);
  });

  it('a stopping director withdraws first and takes the VIP off lo; cleanup withdraws what a killed one left', async () => {
    expect(await nodes.kill('dir1', 'SIGTERM')).toBe(0);
    await waitHops(['10.0.0.2']);
    expect(await ip(['-n', lab.ns('dir1'), '-o', 'addr', 'show', 'dev', 'lo'])).not.toContain(VIP);
    await nodes.kill('dir2', 'SIGKILL');
    // BIRD on dir2 still announces what the dead daemon asked for, until cleanup.
    expect(await nextHops()).toEqual(['10.0.0.2']);
    const out = await lab.exec('dir2', [process.execPath, TANDEM, 'cleanup', '--config', nodes.configFile('dir2'), '--state-dir', nodes.stateDir('dir2')]);
    expect(out).toContain('withdrew every route through BIRD');
    expect(out).toContain(`removed from lo: ${VIP}/32`);
    await waitHops([]);
  });
});

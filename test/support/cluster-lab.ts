import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { birdStaticConfig } from '../../src/cluster/announce.js';
import { birdSocket, nextHopsTo, startBird as startBirdIn } from './bird.js';
import { Lab, waitFor } from './netns.js';
import type { Spawned } from './netns.js';
import { ROOT, TandemNodes } from './pair.js';

/*
 * The cluster lab, on a kernel with IPVS (the real-IPVS guest): three directors behind a router
 * that spreads flows over them (BGP through BIRD with BFD, ECMP with an L4 hash), each with
 * IPVS DR, Maglev hashing (mh with mh-port) and sloppy_tcp, to three real servers that answer
 * the clients directly.
 *   client 172.16.0.2 --- router (.1; 10.0.0.254; 198.51.100.254) --- dir1-3 10.0.0.1-3
 *   dir1-3 198.51.100.1-3 --- rs1-3 198.51.100.11-13 (VIP on lo, replies via the router)
 * Used by test/vm/cluster.test.ts and scripts/lab --cluster.
 */
export const CLUSTER_VIP = '203.0.113.100';
export const CLUSTER_DIRECTORS = ['dir1', 'dir2', 'dir3'];
export const CLUSTER_SERVERS = ['rs1', 'rs2', 'rs3'];
/** Bounds, not goals: in the guest a fork costs 0.1-1 s. */
export const CLUSTER_BOUND_MS = 120_000;
// After a session error (a cut link) BIRD waits 60 s by default before it tries again: 1 s here.
const TIMERS = 'connect delay time 1; connect retry time 2; error wait time 1, 5; hold time 6; keepalive time 2;';
/** BFD on every BGP session: a director whose link dies is dropped in about 0.5 s, not a hold time. */
const BFD = 'protocol bfd { interface "*" { interval 100 ms; multiplier 5; }; }';

export interface ClusterLab {
  lab: Lab;
  options: ClusterOptions;
  nodes: TandemNodes;
  servers: Map<string, Spawned>;
  /** Runs a command in a host (bounded). */
  inNs(host: string, argv: string[]): Promise<string>;
  /** The router's next hops for the VIP, sorted. */
  nextHops(): Promise<string[]>;
  waitHops(hops: string[]): Promise<unknown>;
  /** The directors whose IPVS tables hold the client's connection from `port`. */
  carriers(port: number | string): Promise<string[]>;
  /** The address of a director on the router's side. */
  hop(director: string): string;
  destroy(): Promise<void>;
}

/** The port of the full NAT service on the VIP (the lab with `fullnat`). */
export const CLUSTER_FULLNAT_PORT = 8080;
/** The port of the full NAT service that passes the client's address on in a header (HAProxy; the lab with `fullnat`). */
export const CLUSTER_CLIENT_ADDRESS_PORT = 8081;

export interface ClusterOptions {
  /**
   * The IPVS sync daemon among the three directors (on the back network), and the `web`
   * service scheduled round-robin instead of with Maglev hashing: a flow that moves to another
   * director keeps its real server only through the synced connection.
   */
  sync?: boolean;
  /**
   * A second service on VIP:8080 with full NAT to the same real servers (their routes go to
   * the router, not the directors), and a third on VIP:8081 that passes the client's address
   * on in an X-Client header (HAProxy, to servers on :8081 that echo it).
   */
  fullnat?: boolean;
}

export async function buildClusterLab(prefix?: string, options: ClusterOptions = {}): Promise<ClusterLab> {
  const lab = await Lab.create(
    [
      { name: 'router', address: '10.0.0.254/24', links: [{ dev: 'eth1', bridge: 'cli', address: '172.16.0.1/24' }, { dev: 'eth2', bridge: 'back', address: '198.51.100.254/24' }] },
      ...CLUSTER_DIRECTORS.map((name, i) => ({ name, address: `10.0.0.${i + 1}/24`, links: [{ dev: 'eth1', bridge: 'back', address: `198.51.100.${i + 1}/24` }] })),
      ...CLUSTER_SERVERS.map((name, i) => ({ name, address: `198.51.100.${11 + i}/24`, bridge: 'back' })),
      { name: 'client', address: '172.16.0.2/24', bridge: 'cli' },
    ],
    prefix,
  );
  const nodes = await TandemNodes.create(lab);
  const servers = new Map<string, Spawned>();
  const file = (host: string, name: string) => path.join(nodes.dir, `${host}-${name}`);
  const inNs = (host: string, argv: string[]) => lab.exec(host, argv, CLUSTER_BOUND_MS);
  const hop = (director: string) => `10.0.0.${CLUSTER_DIRECTORS.indexOf(director) + 1}`;
  const nextHops = () => nextHopsTo(lab, 'router', `${CLUSTER_VIP}/32`);
  const startBird = (host: string, config: string) => startBirdIn(lab, nodes.dir, host, config);
  const destroy = async () => {
    await lab.destroy();
    await nodes.cleanup();
  };
  try {
    await inNs('router', ['sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv4.fib_multipath_hash_policy=1']);
    await inNs('client', ['ip', 'route', 'add', 'default', 'via', '172.16.0.1']);
    // The drills' mappings bind fixed source ports (42000.., 43000.., 44000..); the kernel must
    // not hand them out as ephemeral ports to the load's connections, whose TIME_WAIT would
    // then make those binds fail (EADDRINUSE) in the drill after: "failed" for a reason
    // that has nothing to do with the directors.
    await inNs('client', ['sysctl', '-qw', 'net.ipv4.ip_local_reserved_ports=42000-44999']);
    for (const rs of CLUSTER_SERVERS) {
      // DR: the VIP on lo, never answered for by ARP; replies go to the client via the router.
      await inNs(rs, ['ip', 'addr', 'add', `${CLUSTER_VIP}/32`, 'dev', 'lo']);
      await inNs(rs, ['sysctl', '-qw', 'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2']);
      await inNs(rs, ['ip', 'route', 'add', 'default', 'via', '198.51.100.254']);
      const server = lab.spawn(rs, [process.execPath, path.join(ROOT, 'test/support/http-rs.mjs'), '80', 'ok', rs]);
      servers.set(rs, server);
      await waitFor(`${rs} to listen`, () => Promise.resolve(server.output().includes('ready')), CLUSTER_BOUND_MS, 100);
      if (options.fullnat) {
        const echo = lab.spawn(rs, [process.execPath, path.join(ROOT, 'test/support/http-rs.mjs'), String(CLUSTER_CLIENT_ADDRESS_PORT), 'echo', rs]);
        await waitFor(`${rs} to listen on ${CLUSTER_CLIENT_ADDRESS_PORT}`, () => Promise.resolve(echo.output().includes('ready')), CLUSTER_BOUND_MS, 100);
      }
    }
    await startBird(
      'router',
      `router id 10.0.0.254;
protocol device { }
protocol kernel { ipv4 { import none; export all; }; merge paths on; }
${BFD}
${CLUSTER_DIRECTORS.map((d) => `protocol bgp ${d} { local 10.0.0.254 as 65000; neighbor ${hop(d)} as 65001; ${TIMERS} bfd on; ipv4 { import all; export none; }; }`).join('\n')}
`,
    );
    for (const d of CLUSTER_DIRECTORS) {
      await inNs(d, ['ip', 'route', 'add', 'default', 'via', '10.0.0.254']);
      // NAT: the director sends the real servers' replies on to the client.
      if (options.fullnat) await inNs(d, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
      // The operator's bird.conf includes tandem's file, which must exist before BIRD starts.
      await writeFile(file(d, 'tandem.bird.conf'), birdStaticConfig('tandem_vips', []));
      await startBird(
        d,
        `router id ${hop(d)};
protocol device { }
${BFD}
include "${file(d, 'tandem.bird.conf')}";
protocol bgp uplink { local ${hop(d)} as 65001; neighbor 10.0.0.254 as 65000; ${TIMERS} bfd on; ipv4 { import none; export where proto = "tandem_vips"; next hop self; }; }
`,
      );
      await nodes.start(d, {
        auth: 'none',
        announce: { bird: { file: file(d, 'tandem.bird.conf'), socket: birdSocket(nodes.dir, d) } },
        ipvs: { exclusive: true, sloppy_tcp: true, expire_nodest_conn: true, ...(options.sync ? { sync_daemon: { interface: 'eth1', sync_id: 51 } } : {}) },
        virtual_services: [
          {
            name: 'web',
            protocol: 'tcp',
            address: CLUSTER_VIP,
            port: 80,
            // mh-fallback: a failed server keeps its place in the kernel's list (weight 0), and
            // the Maglev table, which follows that order, stays alike on every director.
            ...(options.sync ? { scheduler: 'rr' } : { scheduler: 'mh', scheduler_flags: ['mh-port', 'mh-fallback'] }),
            // fall 2: one check lost to a loaded machine must not take a server out.
            check: { type: 'tcp', interval: 1, timeout: 2, fall: 2 },
            real_servers: CLUSTER_SERVERS.map((_, k) => ({ address: `198.51.100.${11 + k}`, port: 80, method: 'dr' })),
          },
          ...(options.fullnat
            ? [
                {
                  name: 'web-fullnat',
                  protocol: 'tcp',
                  address: CLUSTER_VIP,
                  port: CLUSTER_FULLNAT_PORT,
                  scheduler: 'mh',
                  scheduler_flags: ['mh-fallback'],
                  check: { type: 'tcp', interval: 1, timeout: 2, fall: 2 },
                  real_servers: CLUSTER_SERVERS.map((_, k) => ({ address: `198.51.100.${11 + k}`, port: 80, method: 'fullnat' })),
                },
                {
                  name: 'web-client',
                  protocol: 'tcp',
                  address: CLUSTER_VIP,
                  port: CLUSTER_CLIENT_ADDRESS_PORT,
                  scheduler: 'rr',
                  client_address: { http_header: 'X-Client' },
                  check: { type: 'tcp', interval: 1, timeout: 2, fall: 2 },
                  real_servers: CLUSTER_SERVERS.map((_, k) => ({ address: `198.51.100.${11 + k}`, port: CLUSTER_CLIENT_ADDRESS_PORT, method: 'fullnat' })),
                },
              ]
            : []),
        ],
      });
    }
  } catch (err) {
    await destroy();
    throw err;
  }
  const waitHops = (hops: string[]) =>
    waitFor(`the router's next hops for ${CLUSTER_VIP} to be [${hops.join(', ')}]`, async () => JSON.stringify(await nextHops()) === JSON.stringify(hops), CLUSTER_BOUND_MS, 50);
  const carriers = async (port: number | string) => {
    const found = [];
    for (const d of CLUSTER_DIRECTORS) if ((await inNs(d, ['ipvsadm', '-Lnc'])).includes(`172.16.0.2:${port}`)) found.push(d);
    return found;
  };
  return { lab, options, nodes, servers, inNs, nextHops, waitHops, carriers, hop, destroy };
}

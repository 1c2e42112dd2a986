import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { parseConfig } from '../../src/config/parse.js';
import { desiredTable } from '../../src/ipvs/desired.js';
import { IpvsadmDriver } from '../../src/ipvs/driver.js';
import { Reconciler } from '../../src/ipvs/reconciler.js';
import { IptablesTakeoverGrace } from '../../src/net/takeover-grace.js';
import type { DaemonStatus } from '../../src/daemon/daemon.js';
import { ROOT } from '../support/pair.js';
import { run } from '../support/programs.js';

/*
 * Real HTTP requests from a client namespace through a NAT-mode virtual service to real
 * servers in namespaces, with the test's own namespace (the VM's) as the director.
 *   client 203.0.113.2 --- 203.0.113.1 [director, VIP 203.0.113.100] 198.51.100.1 --- rs1 .11, rs2 .12, rs3 .13
 * rs3 has no default route (the director is not its gateway): only full NAT reaches it.
 */

const ip = (args: string[]) => run('ip', args, { timeout: 30_000 });
const NS = ['vmclient', 'vmrs1', 'vmrs2', 'vmrs3'];
const servers = new Map<string, ResultPromise>();

// Answers its name, and the X-Client header when a request has one.
const SERVER = `require('http').createServer((q, s) => s.end(process.argv[1] + (q.headers['x-client'] ? ' for ' + q.headers['x-client'] : ''))).listen(8080, () => console.log('ready'))`;
const CLIENT = `
const http = require('http');
const [n, port, timeout] = process.argv.slice(1).map(Number);
const get = () => new Promise((ok, ko) => { const q = http.get({ host: '203.0.113.100', port, agent: false, timeout }, (r) => { let b = ''; r.on('data', (c) => (b += c)); r.on('end', () => ok(b)); }); q.on('timeout', () => q.destroy(new Error('timed out'))); q.on('error', ko); });
(async () => { const out = []; for (let i = 0; i < n; i++) out.push(await get().catch((e) => 'failed: ' + e.message)); console.log(JSON.stringify(out)); })();
`;

async function startServer(n: string): Promise<void> {
  const server = run('ip', ['netns', 'exec', `vmrs${n}`, process.execPath, '-e', SERVER, `rs${n}`], { buffer: false, reject: false });
  servers.set(n, server);
  await new Promise<void>((resolve) => server.stdout?.once('data', () => resolve()));
}

async function stopServer(n: string): Promise<void> {
  const server = servers.get(n);
  server?.kill('SIGKILL');
  await server;
  servers.delete(n);
}

/** n requests in turn to the VIP's `port`; each answer's body, or `failed: WHY`. */
async function requests(n: number, port = 80, timeoutMs = 20_000): Promise<string[]> {
  const r = await run('ip', ['netns', 'exec', 'vmclient', process.execPath, '-e', CLIENT, String(n), String(port), String(timeoutMs)], { timeout: 300_000 });
  return JSON.parse(r.stdout) as string[];
}

beforeAll(async () => {
  await run('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
  await ip(['link', 'add', 'vmbr', 'type', 'bridge']);
  await ip(['addr', 'add', '198.51.100.1/24', 'dev', 'vmbr']);
  await ip(['link', 'set', 'vmbr', 'up']);
  for (const ns of NS) await ip(['netns', 'add', ns]);
  await ip(['link', 'add', 'vmc', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', 'vmclient']);
  await ip(['addr', 'add', '203.0.113.1/24', 'dev', 'vmc']);
  await ip(['addr', 'add', '203.0.113.100/32', 'dev', 'vmc']);
  await ip(['link', 'set', 'vmc', 'up']);
  await ip(['-n', 'vmclient', 'addr', 'add', '203.0.113.2/24', 'dev', 'eth0']);
  for (const [n, last] of [['1', 11], ['2', 12], ['3', 13]] as const) {
    const ns = `vmrs${n}`;
    await ip(['link', 'add', `vmr${n}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    await ip(['link', 'set', `vmr${n}`, 'master', 'vmbr']);
    await ip(['link', 'set', `vmr${n}`, 'up']);
    await ip(['-n', ns, 'addr', 'add', `198.51.100.${last}/24`, 'dev', 'eth0']);
  }
  for (const ns of NS) {
    await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
  }
  await ip(['-n', 'vmclient', 'route', 'add', 'default', 'via', '203.0.113.1']);
  for (const n of ['1', '2']) {
    // NAT mode: replies go back through the director.
    await ip(['-n', `vmrs${n}`, 'route', 'add', 'default', 'via', '198.51.100.1']);
    await startServer(n);
  }
  // rs3: no route beyond its own network.
  await startServer('3');
});

afterAll(async () => {
  for (const s of servers.values()) s.kill('SIGKILL');
  await Promise.allSettled(servers.values());
  for (const ns of NS) await run('ip', ['netns', 'del', ns], { reject: false });
  for (const dev of ['vmc', 'vmr1', 'vmr2', 'vmr3', 'vmbr']) await run('ip', ['link', 'del', dev], { reject: false });
  // The nat table the full NAT test had tandem make.
  for (const command of ['iptables', 'iptables-legacy']) {
    await run(command, ['-w', '-t', 'nat', '-D', 'POSTROUTING', '-j', 'TANDEM-FULLNAT'], { reject: false });
    await run(command, ['-w', '-t', 'nat', '-F', 'TANDEM-FULLNAT'], { reject: false });
    await run(command, ['-w', '-t', 'nat', '-X', 'TANDEM-FULLNAT'], { reject: false });
  }
  await run('ipvsadm', ['-C'], { reject: false });
});

describe('HTTP through a NAT virtual service', () => {
  let reconciler: Reconciler;

  beforeAll(async () => {
    const { config } = parseConfig(
      `auth: none
instances: [{name: VI_1, interface: vmc, vrid: 1, priority: 100, vips: [203.0.113.100]}]
virtual_services:
  - protocol: tcp
    address: 203.0.113.100
    port: 80
    scheduler: rr
    real_servers:
      - {address: 198.51.100.11, port: 8080, method: nat}
      - {address: 198.51.100.12, port: 8080, method: nat}
`,
      'nat.yaml',
    );
    reconciler = new Reconciler(new IpvsadmDriver(), { exclusive: true, repairIntervalMs: 3_600_000, dryRun: false, log: pino({ level: 'warn' }) });
    await reconciler.setDesired(desiredTable(config.virtual_services));
  });

  afterAll(async () => {
    reconciler?.stop();
    await run('ipvsadm', ['-C'], { reject: false });
  });

  it('serves requests from both real servers, round robin', async () => {
    expect(reconciler.status().lastError).toBeNull();
    const answers = await requests(4);
    expect(answers.sort()).toEqual(['rs1', 'rs1', 'rs2', 'rs2']);
  });

  /*
   * The takeover grace: what IPVS forwards never meets its chain, and a packet of a connection
   * IPVS does not know (a stray, here a bare ACK from the client) gets no reset from the
   * director while the grace is open.
   */
  describe('with the takeover grace open', () => {
    const grace = new IptablesTakeoverGrace();
    const VIP80 = [{ family: 4 as const, address: '203.0.113.100', port: 80 }];
    let command = 'iptables';
    // The packets the chain dropped, and its rules.
    const chain = async () => {
      const listed = (await run(command, ['-w', '-L', 'TANDEM-GRACE', '-vnx'])).stdout.split('\n').slice(2).filter(Boolean);
      return { dropped: listed.reduce((sum, line) => sum + Number(line.trim().split(/\s+/)[0]), 0), rules: listed.length };
    };
    let port = 40_000;
    // Answers 'reset' when the director resets the stray within `waitS` seconds, else 'none'.
    const stray = async (waitS: number) =>
      (await run('ip', ['netns', 'exec', 'vmclient', 'python3', '-c', STRAY, '203.0.113.2', '203.0.113.100', String(++port), '80', String(waitS)], { timeout: 60_000 })).stdout.trim();

    beforeAll(async () => {
      ({ command } = await grace.configure(VIP80, 3));
    });

    afterAll(async () => {
      await grace.remove().catch(() => undefined);
    });

    it('resets a stray before a takeover opens the grace', async () => {
      expect(await stray(10)).toBe('reset');
      expect(await chain()).toEqual({ dropped: 0, rules: 1 });
    });

    it('lets through every packet IPVS forwards, and sends no reset for a stray in the grace', async () => {
      // Renewed before each step: on a slow guest a step can outlast the 3 s grace.
      await grace.open(['203.0.113.100']);
      expect((await requests(4)).sort()).toEqual(['rs1', 'rs1', 'rs2', 'rs2']);
      expect(await chain()).toEqual({ dropped: 0, rules: 1 });
      await grace.open(['203.0.113.100']);
      expect(await stray(1)).toBe('none');
      expect(await chain()).toEqual({ dropped: 1, rules: 1 });
    });

    it('resets a stray again once the grace is over, by the kernel alone', async () => {
      const seen = Date.now();
      await grace.open(['203.0.113.100']);
      // Order, not timing: the stray leaves after the 3 s grace is surely over.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, seen + 4500 - Date.now())));
      expect(await stray(10)).toBe('reset');
      expect((await chain()).dropped).toBe(1);
    });
  });
});

/** Sends one bare TCP ACK (src, dst, sport, dport) and says whether a reset came back within the wait. */
const STRAY = `
import socket, struct, sys, time
src, dst, sport, dport, wait = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
tcp = struct.pack('!HHIIBBHHH', sport, dport, 1000, 2000, 5 << 4, 0x10, 65535, 0, 0)
pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack('!BBH', 0, socket.IPPROTO_TCP, len(tcp))
tcp = tcp[:16] + struct.pack('!H', csum(pseudo + tcp)) + tcp[18:]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
s.sendto(tcp, (dst, 0))
end = time.time() + wait
while end > time.time():
    s.settimeout(end - time.time())
    try:
        pkt, addr = s.recvfrom(65535)
    except socket.timeout:
        break
    ihl = (pkt[0] & 15) * 4
    sp, dp = struct.unpack('!HH', pkt[ihl:ihl + 4])
    if addr[0] == dst and sp == dport and dp == sport and pkt[ihl + 13] & 4:
        print('reset')
        sys.exit(0)
print('none')
`;

describe('health checks on the real IPVS table', () => {
  let daemon: ResultPromise | undefined;
  let dir: string;
  const tandem = (args: string[]) => run(process.execPath, [path.join(ROOT, 'bin/tandem.js'), ...args], { timeout: 60_000 });
  const table = async () => (await run('ipvsadm', ['-Sn'])).stdout;
  const status = async () => JSON.parse((await tandem(['status', '--json', '--state-dir', path.join(dir, 'state')])).stdout) as DaemonStatus;

  beforeAll(async () => {
    await run('ipvsadm', ['-C']);
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-vm-health-'));
    await writeFile(
      path.join(dir, 'tandem.yaml'),
      `auth: none
instances: [{name: VI_1, interface: vmc, vrid: 1, priority: 100, advert_interval: 1, vips: [203.0.113.100]}]
ipvs: { exclusive: true, repair_interval: 60, sloppy_tcp: true }
virtual_services:
  - name: web
    protocol: tcp
    address: 203.0.113.100
    port: 80
    scheduler: rr
    check: { type: http, interval: 1, timeout: 1, fall: 2, rise: 1, body_match: "^rs" }
    real_servers:
      - {address: 198.51.100.11, port: 8080, method: nat}
      - {address: 198.51.100.12, port: 8080, method: nat}
  - name: files
    protocol: tcp
    address: 203.0.113.100
    port: 81
    scheduler: wlc
    real_servers:
      # Port 9090: no server listens there (a file check connects to nothing), and the web
      # service's test looks for 8080 in the whole table.
      - {address: 198.51.100.11, port: 9090, method: nat, weight: 10, check: {type: file, file: capacity, interval: 0.2}}
      - {address: 198.51.100.12, port: 9090, method: nat, weight: 10, check: {type: file, file: capacity, file_weight: 0, interval: 0.2}}
  # rs3 does not route back through the director: NAT cannot reach it, full NAT can.
  - name: full
    protocol: tcp
    address: 203.0.113.100
    port: 82
    real_servers: [{address: 198.51.100.13, port: 8080, method: fullnat}]
  - name: plain
    protocol: tcp
    address: 203.0.113.100
    port: 83
    real_servers: [{address: 198.51.100.13, port: 8080, method: nat}]
  # Full NAT with the client's address in a header: HAProxy carries it, not IPVS.
  - name: proxied
    protocol: tcp
    address: 203.0.113.100
    port: 84
    client_address: { http_header: X-Client }
    check: { type: http, interval: 1, timeout: 1, fall: 2, rise: 1 }
    real_servers: [{address: 198.51.100.13, port: 8080, method: fullnat}]
files:
  capacity: { path: ${path.join(dir, 'capacity')}, weight: -2, init: 0 }
`,
    );
    daemon = run(process.execPath, [path.join(ROOT, 'bin/tandem.js'), 'run', '--config', path.join(dir, 'tandem.yaml'), '--state-dir', path.join(dir, 'state')], {
      reject: false,
      all: true,
      env: { TANDEM_LOG_LEVEL: 'info' },
    });
    await until('both real servers in the table', async () => (await table()).includes('198.51.100.12:8080'), 120_000);
    // The daemon takes the VIP that the block above put on vmc as a leftover of an earlier run
    // and removes it; it is back once the instance is MASTER (3 adverts later).
    await until('VI_1 to be MASTER', async () => (await status()).instances[0]?.state === 'MASTER', 120_000);
  });

  afterAll(async () => {
    daemon?.kill('SIGTERM');
    const result = await daemon;
    if (result && result.exitCode !== 0) console.error(result.all);
    await rm(dir, { recursive: true, force: true });
  });

  it('takes a stopped real server out of the table, keeps serving, and puts it back when it returns', async () => {
    expect((await requests(2)).sort()).toEqual(['rs1', 'rs2']);
    await stopServer('2');
    const removed = await until('rs2 removed from the kernel table', async () => !(await table()).includes('198.51.100.12:8080'), 60_000);
    const after = await status();
    // The daemon's services thread changed the table over netlink, not through ipvsadm.
    expect(after.ipvs?.transport).toBe('netlink');
    const web = after.services.find((s) => s.service === 'web');
    expect(web?.servers.map((r) => [r.server, r.healthy, r.weight])).toEqual([
      ['198.51.100.11:8080', true, 1],
      ['198.51.100.12:8080', false, null],
    ]);
    expect(web?.servers[1]?.last?.message).toMatch(/ECONNREFUSED/);
    // Every request now goes to the server left.
    expect(await requests(4)).toEqual(['rs1', 'rs1', 'rs1', 'rs1']);
    await startServer('2');
    await until('rs2 back in the kernel table', async () => (await table()).includes('198.51.100.12:8080'), 60_000);
    expect((await requests(2)).sort()).toEqual(['rs1', 'rs2']);
    expect(removed).toBe(true);
  });

  it('full NAT reaches a real server whose routes do not go through the director; plain NAT does not', async () => {
    expect(await requests(5, 82)).toEqual(['rs3', 'rs3', 'rs3', 'rs3', 'rs3']);
    // Through plain NAT, rs3's answers go nowhere: its SYN-ACK has no route to the client.
    expect(await requests(2, 83, 3000)).toEqual(['failed: timed out', 'failed: timed out']);
    const s = await status();
    expect(s.ipvs?.fullnat).toMatchObject({ rules: 1, error: null });
    // With the client's address passed on (HAProxy, beside the exclusive IPVS table, which it is not in).
    await until('HAProxy to carry rs3', async () => (await status()).proxy?.serversIn === 1, 60_000);
    expect(await requests(3, 84)).toEqual(Array(3).fill('rs3 for 203.0.113.2'));
    expect(s.proxy).toMatchObject({ services: 1, serversIn: 1, lastError: null });
    expect(await table()).not.toMatch(/203\.0\.113\.100:84/);
    expect(['iptables', 'iptables-legacy']).toContain(s.ipvs?.fullnat.command);
    expect((await run('cat', ['/proc/sys/net/ipv4/vs/conntrack'])).stdout.trim()).toBe('1');
    // ipvs.sloppy_tcp is in the kernel too.
    expect((await run('cat', ['/proc/sys/net/ipv4/vs/sloppy_tcp'])).stdout.trim()).toBe('1');
  });

  it('set the weight to the own weight plus value × weight, and take a weight-0 server out on a value but 0', async () => {
    // Both servers of port 81 at their own weight while the file holds its init value, 0.
    const port81 = async () => (await run('ipvsadm', ['-Ln', '-t', '203.0.113.100:81'])).stdout;
    await until('port 81 with both servers at weight 10', async () => /198\.51\.100\.11:9090\s+Masq\s+10\b/.test(await port81()) && /198\.51\.100\.12:9090\s+Masq\s+10\b/.test(await port81()), 60_000);
    await writeFile(path.join(dir, 'capacity'), '3\n');
    await until('rs1 at weight 10 - 3 × 2 = 4 and rs2 out', async () => /198\.51\.100\.11:9090\s+Masq\s+4\b/.test(await port81()) && !(await port81()).includes('198.51.100.12:9090'), 60_000);
    await writeFile(path.join(dir, 'capacity'), '0\n');
    await until('both back at weight 10', async () => /198\.51\.100\.11:9090\s+Masq\s+10\b/.test(await port81()) && /198\.51\.100\.12:9090\s+Masq\s+10\b/.test(await port81()), 60_000);
  });
});

async function until(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<true> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await probe().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

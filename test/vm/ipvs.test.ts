import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { parseConfig } from '../../src/config/parse.js';
import { desiredTable } from '../../src/ipvs/desired.js';
import type { IpvsCommand } from '../../src/ipvs/diff.js';
import { IpvsadmDriver } from '../../src/ipvs/driver.js';
import type { IpvsDriver } from '../../src/ipvs/driver.js';
import { NetlinkIpvsDriver } from '../../src/ipvs/netlink-driver.js';
import type { VirtualService } from '../../src/ipvs/model.js';
import { Reconciler } from '../../src/ipvs/reconciler.js';
import { SyncDaemonControl } from '../../src/ipvs/sync-daemon.js';
import { run } from '../support/programs.js';

/*
 * Real IPVS, in the scripts/vm guest. The test process's network namespace is the director;
 * real servers and a client live in namespaces of their own. Everything is removed at the end.
 */

const sh = async (cmd: string[]) => (await run(cmd[0] as string, cmd.slice(1), { timeout: 60_000 })).stdout;
const log = pino({ level: process.env.TANDEM_LOG_LEVEL ?? 'warn' });

/** A real driver, recording each batch it is asked to apply. */
function recording(driver: IpvsDriver): IpvsDriver & { batches: IpvsCommand[][] } {
  const batches: IpvsCommand[][] = [];
  const apply = driver.applyBatch.bind(driver);
  return Object.assign(driver, {
    batches,
    applyBatch: (commands: IpvsCommand[]) => {
      batches.push(commands);
      return apply(commands);
    },
  });
}

/*
 * The table tests run through both transports: ipvsadm (-R for batches), and netlink from this
 * thread (the daemon's). Both must leave the table `ipvsadm -Sn` reads back equal to the desired.
 */
const TRANSPORTS = [
  { transport: 'ipvsadm', make: (): IpvsDriver => new IpvsadmDriver(), refusedBy: 'ipvsadm refused' },
  { transport: 'netlink', make: (): IpvsDriver => new NetlinkIpvsDriver({ log }), refusedBy: 'the kernel refused' },
];

const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'mh', 'fo', 'ovf'];

function bigConfig(weightOf: (s: number, r: number) => number = () => 1, drop?: [number, number]): string {
  const methods = ['nat', 'dr', 'tun'];
  const services = SCHEDULERS.map((scheduler, s) => {
    const servers = [0, 1, 2]
      .filter((r) => !(drop && drop[0] === s && drop[1] === r))
      .map((r) => `      - {address: 198.51.100.${10 + r}, port: ${8080 + s}, method: ${methods[(s + r) % 3]}, weight: ${weightOf(s, r)}}`);
    const flags = scheduler === 'sh' ? '\n    scheduler_flags: [sh-port]' : scheduler === 'mh' ? '\n    scheduler_flags: [mh-fallback]' : '';
    const netmask = s === 8 ? ', netmask: 255.255.255.0' : '';
    const persistence = s % 4 === 0 ? `\n    persistence: {timeout: 300${netmask}}` : '';
    // One-packet scheduling on some UDP services: the kernel keeps the flag, ipvsadm -Sn shows -o.
    const ops = s % 4 === 1 ? '\n    one_packet: true' : '';
    return `  - protocol: ${s % 2 ? 'udp' : 'tcp'}\n    address: 192.0.2.100\n    port: ${1000 + s}\n    scheduler: ${scheduler}${flags}${persistence}${ops}\n    real_servers:\n${servers.join('\n')}`;
  });
  services.push('  - protocol: fwmark\n    fwmark: 7\n    scheduler: rr\n    real_servers:\n      - {address: 198.51.100.10, port: 0, method: dr}');
  services.push("  - protocol: fwmark\n    fwmark: 8\n    family: ipv6\n    scheduler: wrr\n    persistence: {timeout: 60}\n    real_servers:\n      - {address: '2001:db8:1::11', port: 0, method: dr}");
  services.push("  - protocol: tcp\n    address: '2001:db8::100'\n    port: 443\n    real_servers:\n      - {address: '2001:db8:1::10', port: 443, method: nat, weight: 2, upper_threshold: 50, lower_threshold: 5}");
  return `auth: none\ninstances:\n  - {name: VI_1, interface: eth0, vrid: 1, priority: 100, vips: [192.0.2.100]}\nvirtual_services:\n${services.join('\n')}\n`;
}

const table = (text: string): VirtualService[] => desiredTable(parseConfig(text, 'vm.yaml').config.virtual_services);

describe.each(TRANSPORTS)('IPVS on a real kernel through $transport', ({ transport, make, refusedBy }) => {
  beforeAll(async () => {
    // Real servers need a route out of an interface that is up ("address not unicast" otherwise).
    await sh(['ip', 'link', 'add', 'rs0', 'type', 'veth', 'peer', 'name', 'rs0p']);
    await sh(['ip', 'link', 'set', 'rs0', 'up']);
    await sh(['ip', 'link', 'set', 'rs0p', 'up']);
    await sh(['ip', 'addr', 'add', '198.51.100.1/24', 'dev', 'rs0']);
    await sh(['ip', '-6', 'addr', 'add', '2001:db8:1::1/64', 'dev', 'rs0', 'nodad']);
    await sh(['ipvsadm', '-C']);
  });

  afterAll(async () => {
    await run('ipvsadm', ['-C'], { reject: false });
    await run('ip', ['link', 'del', 'rs0'], { reject: false });
  });

  it('applies a table with every scheduler and forwarding method in one batch, and reads it back equal', async () => {
    const driver = recording(make());
    const r = new Reconciler(driver, { exclusive: true, repairIntervalMs: 3_600_000, dryRun: false, log });
    await r.setDesired(table(bigConfig()));
    r.stop();
    expect(r.status().lastError).toBeNull();
    // Not a silent fallback to ipvsadm: the transport under test applied it.
    expect(r.status().transport).toBe(transport);
    expect(driver.batches).toHaveLength(1);
    expect(driver.batches[0]).toHaveLength(15 + 13 * 3 + 2 + 2);
    expect(r.status().services.every((s) => s.inSync)).toBe(true);
    const saved = await sh(['ipvsadm', '-Sn']);
    expect(saved).toContain('-A -t 192.0.2.100:1000 -s rr -p 300');
    expect(saved).toContain('-A -t 192.0.2.100:1008 -s sed -p 300 -M 255.255.255.0');
    expect(saved).toContain('-A -u 192.0.2.100:1007 -s sh -b sh-port');
    expect(saved).toMatch(/^-A -u 192\.0\.2\.100:1001 -s wrr.* -o$/m);
    expect(saved).toContain('-a -t 192.0.2.100:1000 -r 198.51.100.10:8080 -m -w 1');
    // DR and TUN servers listen on the service's port: the kernel keeps them there.
    expect(saved).toContain('-a -t 192.0.2.100:1000 -r 198.51.100.11:1000 -g -w 1');
    expect(saved).toContain('-a -t 192.0.2.100:1000 -r 198.51.100.12:1000 -i -w 1');
    expect(saved).toContain('-A -f 7 -s rr');
    expect(saved).toContain('-A -f 8 -6 -s wrr -p 60');
    expect(saved).toContain('-a -f 8 -6 -r [2001:db8:1::11]:0 -g -w 1');
    expect(saved).toContain('-a -t [2001:db8::100]:443 -r [2001:db8:1::10]:443 -m -w 2');
    // Thresholds, which -Sn does not show, were applied and are read back.
    expect(await sh(['ipvsadm', '-Ln', '--thresholds', '-t', '[2001:db8::100]:443'])).toMatch(/\[2001:db8:1::10\]:443\s+50\s+5\s/);
    // A second pass finds nothing to do.
    await r.reconcile();
    expect(driver.batches).toHaveLength(1);
  });

  it('changes weights and members with the minimal batch: one -e per weight, never a delete and add', async () => {
    const driver = recording(make());
    const r = new Reconciler(driver, { exclusive: true, repairIntervalMs: 3_600_000, dryRun: false, log });
    await r.setDesired(table(bigConfig()));
    await r.setDesired(table(bigConfig((s, rr) => (s === 3 && rr === 1 ? 7 : 1))));
    expect(driver.batches.at(-1)?.map((c) => c.join(' '))).toEqual(['-e -u 192.0.2.100:1003 -r 198.51.100.11:1003 -g -w 7']);
    await r.setDesired(table(bigConfig(() => 1, [5, 2])));
    expect(driver.batches.at(-1)?.map((c) => c.join(' '))).toEqual([
      '-e -u 192.0.2.100:1003 -r 198.51.100.11:1003 -g -w 1',
      '-d -u 192.0.2.100:1005 -r 198.51.100.12:1005',
    ]);
    r.stop();
    expect(r.status().services.every((s) => s.inSync)).toBe(true);
  });

  it('repairs the table after ipvsadm -C, counting the repair', async () => {
    const r = new Reconciler(make(), { exclusive: false, repairIntervalMs: 3_600_000, dryRun: false, log });
    await r.setDesired(table(bigConfig()));
    await sh(['ipvsadm', '-C']);
    expect(await sh(['ipvsadm', '-Sn'])).toBe('');
    await r.reconcile();
    r.stop();
    expect(r.status().driftRepairs).toBe(1);
    expect(r.status().services.every((s) => s.inSync)).toBe(true);
  });

  it('leaves services it does not own alone unless exclusive', async () => {
    await sh(['ipvsadm', '-A', '-t', '203.0.113.9:25', '-s', 'rr']);
    const mine = new Reconciler(make(), { exclusive: false, repairIntervalMs: 3_600_000, dryRun: false, log });
    await mine.setDesired(table(bigConfig()));
    expect(await sh(['ipvsadm', '-Sn'])).toContain('-A -t 203.0.113.9:25 -s rr');
    const all = new Reconciler(make(), { exclusive: true, repairIntervalMs: 3_600_000, dryRun: false, log });
    await all.setDesired(table(bigConfig()));
    mine.stop();
    all.stop();
    expect(await sh(['ipvsadm', '-Sn'])).not.toContain('203.0.113.9');
  });

  it('pinpoints a rule the kernel refuses and applies the rest', async () => {
    await sh(['ipvsadm', '-C']);
    const want: VirtualService[] = [
      {
        protocol: 'tcp', address: '192.0.2.50', port: 80, family: 4, scheduler: 'rr', flags: [],
        realServers: [
          { address: '198.51.100.10', port: 80, method: 'masq', weight: 1, upper: 0, lower: 0 },
          // lower above upper: the kernel answers ERANGE.
          { address: '198.51.100.11', port: 80, method: 'masq', weight: 1, upper: 0, lower: 3 },
          { address: '198.51.100.12', port: 80, method: 'masq', weight: 1, upper: 0, lower: 0 },
        ],
      },
    ];
    const r = new Reconciler(make(), { exclusive: false, repairIntervalMs: 3_600_000, dryRun: false, log });
    await r.setDesired(want);
    r.stop();
    const s = r.status();
    expect(s.refused).toEqual([
      {
        command: '-a -t 192.0.2.50:80 -r 198.51.100.11:80 -m -w 1 -y 3',
        error: `${refusedBy} -a -t 192.0.2.50:80 -r 198.51.100.11:80 -m -w 1 -y 3: Numerical result out of range`,
      },
    ]);
    expect(s.lastError?.kind).toBe('failed');
    const saved = await sh(['ipvsadm', '-Sn']);
    expect(saved).toContain('198.51.100.10:80');
    expect(saved).toContain('198.51.100.12:80');
    expect(saved).not.toContain('198.51.100.11:80');
  });

});

describe('the IPVS connection sync daemon on a real kernel', () => {
  beforeAll(async () => {
    await sh(['ip', 'link', 'add', 'rs0', 'type', 'veth', 'peer', 'name', 'rs0p']);
    await sh(['ip', 'link', 'set', 'rs0', 'up']);
  });

  afterAll(async () => {
    await run('ip', ['link', 'del', 'rs0'], { reject: false });
  });

  it('runs as backup and master at once, and stops both', async () => {
    const driver = new IpvsadmDriver();
    const sync = new SyncDaemonControl(driver, { interface: 'rs0', syncId: 51, maxMessageBytes: 64 }, log);
    await sync.start();
    expect(await driver.syncDaemons()).toEqual(['master', 'backup']);
    expect(sync.roles).toEqual(['backup', 'master']);
    const daemons = await sh(['ipvsadm', '-Ln', '--daemon']);
    expect(daemons).toMatch(/master sync daemon \(mcast=rs0, syncid=51, maxlen=64/);
    expect(daemons).toContain('backup sync daemon (mcast=rs0, syncid=51');
    await sync.stop();
    expect(await driver.syncDaemons()).toEqual([]);
  });
});

/*
 * The lab: an LVS-NAT/DR director pair in network namespaces, built from the configs in conf/.
 *   front bridge 192.0.2.0/24:    client .50, dir1 .1, dir2 .2; the service VIP .100
 *   back bridge 198.51.100.0/24:  dir1 .2, dir2 .3 (gateway VIP .1), HTTP real servers rs1-rs3
 *                                 (.11-.13, rs1 and rs2 also DR: VIP on lo, no ARP for it) and
 *                                 MariaDB on db (.21)
 * Both daemons start, their status is shown, then `tandem drill` runs from the client with the
 * lab's hands (scripts/lib/lab-net) and its report is printed. On a kernel without IPVS the
 * daemons run with --dry-run: VRRP and the health checks work, the table is printed instead.
 * `down` removes it all; a rerun removes a half-built lab first.
 */
import { randomBytes } from 'node:crypto';
import { openSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { Lab, alive, removeStaleNamespaces, requireRoot, waitFor } from '../../test/support/netns.js';
import type { HostSpec } from '../../test/support/netns.js';
import { ROOT, TANDEM } from '../../test/support/pair.js';
import { run, spawn } from '../../test/support/programs.js';

const PREFIX = 'tdlab';
/** Where the lab keeps its files: .lab/, or (in the VM, whose view of the tree is read-only) elsewhere. */
const STATE = process.env.TANDEM_LAB_STATE ?? path.join(ROOT, '.lab');
const NET = path.join(ROOT, 'scripts/lib/lab-net');
const VIP = '192.0.2.100';
/**
 * In the real-IPVS VM (User-mode Linux: one CPU, every system call ten or more times dearer
 * than here) the directors advertise every second, Keepalived's default; at the example's
 * 0.1 s a master whose event loop stalls 0.36 s (a burst of forks, its own start) loses the
 * election, and there it did, again and again. Check intervals and drill limits stay as
 * configured. The drill's probes are lighter there (each system call costs more, and there is
 * one CPU to share with the pair): status every 100 ms, pings every 20 ms, requests every 100 ms.
 */
const IN_VM = Boolean(process.env.TANDEM_VM);
const VM_ADVERT_INTERVAL = 1;
const VM_PROBES = ['--sample-every', '100', '--ping-every', '20', '--every', '100'];
const DIRECTORS = [
  { name: 'dir1', front: '192.0.2.1/24', back: '198.51.100.2/24', config: 'conf/primary.yaml' },
  { name: 'dir2', front: '192.0.2.2/24', back: '198.51.100.3/24', config: 'conf/backup.yaml' },
];
const SERVERS = ['rs1', 'rs2', 'rs3'];
const HOSTS: HostSpec[] = [
  { name: 'client', address: '192.0.2.50/24' },
  ...DIRECTORS.map((d) => ({ name: d.name, address: d.front, links: [{ dev: 'eth1', bridge: 'back', address: d.back }] })),
  ...SERVERS.map((name, i) => ({ name, address: `198.51.100.${11 + i}/24`, bridge: 'back' })),
  { name: 'db', address: '198.51.100.21/24', bridge: 'back' },
];

/** The commands of each drill in this topology. */
const DRILLS: Record<string, string[]> = {
  handover: [],
  crash: ['--restart', JSON.stringify([NET, 'start', '{master}'])],
  link: ['--cut', JSON.stringify([NET, 'cut', '{master}']), '--heal', JSON.stringify([NET, 'heal', '{master}'])],
  partition: ['--cut', JSON.stringify([NET, 'partition']), '--heal', JSON.stringify([NET, 'join'])],
  'real-server': ['--server', '198.51.100.13:8080', '--stop', JSON.stringify([NET, 'stop-rs', 'rs3']), '--start', JSON.stringify([NET, 'start-rs', 'rs3'])],
};

/**
 * The drills' time limits, judged unless the lab runs --untimed (as the tests do: how fast is
 * for scripts/bench, where a loaded machine cannot fail a change).
 */
const TIME_LIMITS: Record<string, string[]> = {
  handover: ['--max-downtime', '100', '--max-time-to-master', '1000'],
  crash: ['--max-downtime', '1000'],
  link: ['--max-downtime', '1000'],
};

/**
 * How long the lab's setup may take at most, step by step: bounds, not goals. In the real-IPVS
 * guest on a busy host a fork takes 0.1-1 s and MariaDB's install several minutes.
 */
const SETUP_BOUND_MS = 300_000;
const inNs = (host: string, argv: string[]) => run('ip', ['netns', 'exec', `${PREFIX}-${host}`, ...argv], { timeout: SETUP_BOUND_MS });

async function down(): Promise<void> {
  for (const d of DIRECTORS) {
    const pid = Number((await readFile(path.join(STATE, d.name, 'tandem.pid'), 'utf8').catch(() => '')).trim());
    if (pid > 0 && alive(pid)) {
      process.kill(pid, 'SIGTERM');
      await waitFor(`tandem ${pid} to stop`, async () => !alive(pid), 5000, 50).catch(() => process.kill(pid, 'SIGKILL'));
    }
  }
  // Whatever else runs in the lab's namespaces (real servers, MariaDB) goes with them.
  await removeStaleNamespaces(new RegExp(`^${PREFIX}-`));
  await rm(STATE, { recursive: true, force: true });
}

async function tandem(host: string, args: string[]): Promise<string> {
  const r = await run('ip', ['netns', 'exec', `${PREFIX}-${host}`, process.execPath, TANDEM, ...args], { reject: false });
  if (r.exitCode !== 0) throw new Error(`tandem ${args.join(' ')} on ${host}: ${r.stderr}`);
  return r.stdout;
}

async function masterOf(): Promise<string | undefined> {
  for (const d of DIRECTORS) {
    const status = JSON.parse(await tandem(d.name, ['status', '--json', '--state-dir', path.join(STATE, d.name)])) as { instances: { state: string }[] };
    if (status.instances.every((i) => i.state === 'MASTER')) return d.name;
  }
  return undefined;
}

/** The real servers: routes through the gateway VIP; rs1 and rs2 also serve the VIP directly (DR). */
async function startServers(): Promise<void> {
  for (const name of [...SERVERS, 'db']) await inNs(name, ['ip', 'route', 'add', 'default', 'via', '198.51.100.1']);
  for (const name of ['rs1', 'rs2']) {
    await inNs(name, ['ip', 'addr', 'add', `${VIP}/32`, 'dev', 'lo']);
    await inNs(name, ['sysctl', '-qw', 'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2']);
  }
  for (const name of SERVERS) await run(NET, ['start-rs', name]);
  await waitFor('the HTTP real servers', async () => {
    const logs = await Promise.all(SERVERS.map(async (n) => [n, await readFile(path.join(STATE, `${n}.log`), 'utf8').catch(() => '')] as const));
    const waiting = logs.filter(([, log]) => !log.includes('ready')).map(([n, log]) => `${n} (${log.trim().split('\n').at(-1) || 'nothing logged'})`);
    if (waiting.length) throw new Error(`not ready: ${waiting.join(', ')}`);
    return true;
  }, SETUP_BOUND_MS, 50);
}

/** MariaDB on db, on a data directory under .lab, with the check user the configs name. */
async function startDatabase(password: string): Promise<void> {
  const data = path.join(STATE, 'db-data');
  const socket = path.join(STATE, 'db.sock');
  // A small buffer pool with a small ceiling: by default MariaDB reserves address space for an
  // 8 TiB pool, which User-mode Linux (the real-IPVS VM) cannot map.
  const pool = ['--innodb-buffer-pool-size=32M', '--innodb-buffer-pool-size-max=64M'];
  await run('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db', ...pool], { timeout: SETUP_BOUND_MS });
  const log = openSync(path.join(STATE, 'db.log'), 'a');
  spawn('ip', ['netns', 'exec', `${PREFIX}-db`, 'mariadbd', '--no-defaults', `--datadir=${data}`, `--socket=${socket}`, '--port=3306', '--bind-address=198.51.100.21', '--user=root', '--skip-name-resolve', `--pid-file=${path.join(STATE, 'db.pid')}`, ...pool], {
    detached: true,
    stdio: ['ignore', log, log],
  }).unref();
  const sql = (q: string) => run('mariadb', ['--no-defaults', '-S', socket, '-u', 'root', '-e', q], { timeout: 60_000 });
  await waitFor('MariaDB', () => sql('SELECT 1').then(() => true), SETUP_BOUND_MS, 200);
  await sql(`CREATE USER tandem@'%' IDENTIFIED BY '${password}'`);
}

interface DrillOptions {
  drill: string;
  json?: string;
  svg?: string;
  /** Judge counts and states only; report the timings without limits. */
  untimed?: boolean;
}

/**
 * The same lab inside the real-IPVS VM (scripts/vm): the client's requests really travel
 * through IPVS. The report comes back through the VM's out directory.
 */
async function inVm(options: DrillOptions): Promise<void> {
  if (!DRILLS[options.drill]) throw new Error(`unknown drill "${options.drill}" (${Object.keys(DRILLS).join(', ')})`);
  const out = await mkdtemp(path.join(os.tmpdir(), 'tandem-lab-vm-'));
  try {
    // The lab's logs come back too (in .lab/vm-logs/): the lab itself goes with the VM.
    const inner = `TANDEM_LAB_STATE=/run/tmp/lab node --import tsx scripts/lib/lab.ts --drill ${options.drill}${options.untimed ? ' --untimed' : ''} --json "$TANDEM_VM_OUT/report.json" --svg "$TANDEM_VM_OUT/report.svg"; s=$?; mkdir -p "$TANDEM_VM_OUT/logs"; cp /run/tmp/lab/*.log "$TANDEM_VM_OUT/logs/"; exit $s`;
    const vm = await run(path.join(ROOT, 'scripts/vm'), ['--mem', '2048', '--out', out, '--', 'bash', '-c', inner], { cwd: ROOT, reject: false, stdout: 'inherit', stderr: 'inherit', timeout: 3_600_000 });
    for (const [want, file] of [[options.json, 'report.json'], [options.svg, 'report.svg']] as const) {
      if (want) await copyFile(path.join(out, file), path.resolve(want)).catch((err: Error) => console.error(`scripts/lab: no ${file} from the VM: ${err.message}`));
    }
    const logs = path.join(STATE, 'vm-logs');
    await rm(logs, { recursive: true, force: true });
    await mkdir(STATE, { recursive: true });
    await rename(path.join(out, 'logs'), logs).then(() => console.log(`the VM lab's logs: ${path.relative(process.cwd(), logs)}/`), () => undefined);
    if (vm.exitCode !== 0) process.exitCode = vm.exitCode ?? 1;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** Runs `tandem drill` from the client against the lab's pair and prints its report. */
async function runDrill(options: DrillOptions): Promise<void> {
  const drillArgs = DRILLS[options.drill];
  if (!drillArgs) throw new Error(`unknown drill "${options.drill}" (${Object.keys(DRILLS).join(', ')})`);
  console.log(`\n== tandem drill ${options.drill} (from the client, which pings ${VIP} every 10 ms)`);
  const args = ['drill', options.drill, ...DIRECTORS.flatMap((d) => ['--node', `${d.name}=${path.join(STATE, d.name)}`]), '--vip', VIP, ...(IN_VM ? VM_PROBES : []), ...drillArgs, ...(options.untimed ? [] : (TIME_LIMITS[options.drill] ?? []))];
  // With a real IPVS table, HTTP requests travel through it too; a handover keeps a connection.
  const ipvs = (await readFile(path.join(STATE, 'run-flags'), 'utf8').catch(() => '')).trim() === '';
  if (ipvs) {
    // 10 s: a connection attempt that meets the takeover is retried by TCP (at 1 s, 3 s and
    // 7 s), so a request counts as failed when it is lost, not when it is slow.
    args.push('--http', `http://${VIP}/`, '--request-timeout', '10', '--timeout', '30');
    // A request can fail while the VIPs move (a connection opened in the instant before the
    // takeover is synced to the new master up to 2 s later, by the kernel): the drill reports
    // those, and judges that none fails outside a takeover. A handover is graceful: 1% at most.
    args.push('--max-failed-outside-takeover', '0');
    if (options.drill === 'handover') args.push('--max-failed-percent', '1');
    if (options.drill === 'handover') args.push('--connection');
  }
  if (options.json) args.push('--json', path.resolve(options.json));
  if (options.svg) args.push('--svg', path.resolve(options.svg));
  const drill = await run('ip', ['netns', 'exec', `${PREFIX}-client`, process.execPath, TANDEM, ...args], { reject: false, timeout: 180_000, all: true });
  console.log(drill.all);
  if (drill.exitCode !== 0) process.exitCode = 1;
}

async function up(options: DrillOptions): Promise<void> {
  if (!DRILLS[options.drill]) throw new Error(`unknown drill "${options.drill}" (${Object.keys(DRILLS).join(', ')})`);
  const started = Date.now();
  await down();
  console.log('building the lab: front 192.0.2.0/24 (client, dir1, dir2), back 198.51.100.0/24 (dir1, dir2, rs1-rs3, db)');
  await Lab.create(HOSTS, PREFIX);
  await mkdir(path.join(STATE, 'maintenance'), { recursive: true, mode: 0o700 });
  const keyFile = path.join(STATE, 'key');
  await writeFile(keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  const password = randomBytes(12).toString('hex');
  await writeFile(path.join(STATE, 'mysql-password'), `${password}\n`, { mode: 0o600 });
  await startServers();
  await startDatabase(password);
  const ipvs = await inNs('dir1', ['ipvsadm', '-Ln']).then(() => true, () => false);
  await writeFile(path.join(STATE, 'run-flags'), ipvs ? '' : '--dry-run\n');
  if (!ipvs) console.log('this kernel has no IPVS: the directors run with --dry-run (VRRP and the health checks work; the IPVS table is printed, not applied)');
  for (const d of DIRECTORS) {
    await inNs(d.name, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    // Sync a connection when it is established (its 2nd packet), not at its 3rd: a client's
    // request then finds its connection on the new master even if it crossed the failover.
    if (ipvs) await inNs(d.name, ['sysctl', '-qw', 'net.ipv4.vs.sync_threshold=2 50']);
    // The example config as shipped, with the lab's files in place of /etc/tandem's.
    const text = (await readFile(path.join(ROOT, d.config), 'utf8')).replaceAll('/etc/tandem/', `${STATE}/`);
    const config = parse(text) as Record<string, unknown>;
    config.auth = { key_file: keyFile };
    if (IN_VM) for (const inst of config.instances as { advert_interval?: number }[]) inst.advert_interval = VM_ADVERT_INTERVAL;
    await writeFile(path.join(STATE, `${d.name}.yaml`), stringify(config));
    await run(NET, ['start', d.name]);
    console.log(`started tandem on ${d.name} with ${d.config} (log: .lab/${d.name}.log)`);
  }
  const first = await waitFor('a master to be elected', masterOf, SETUP_BOUND_MS, 100);
  await waitFor('the health checks to run', async () => {
    const s = JSON.parse(await tandem(first, ['status', '--json', '--state-dir', path.join(STATE, first)])) as { services: { servers: { checks: number }[] }[] };
    return s.services.every((svc) => svc.servers.every((r) => r.checks > 0));
  }, SETUP_BOUND_MS, 200);
  for (const d of DIRECTORS) {
    console.log(`\n== tandem status on ${d.name}`);
    console.log(await tandem(d.name, ['status', '--state-dir', path.join(STATE, d.name)]));
  }
  await runDrill(options);
  console.log(`\nthe lab is up (${((Date.now() - started) / 1000).toFixed(1)} s to the first report).${IN_VM ? ' It goes with the VM.' : ' Try:'}`);
  if (IN_VM) return;
  console.log(`  ip netns exec ${PREFIX}-dir1 node bin/tandem.js status --state-dir .lab/dir1`);
  console.log('  scripts/lab drill link        # on this lab: handover, crash, link, partition, real-server');
  console.log('  scripts/lab down              # removes the namespaces, the processes and .lab/');
}

async function main(): Promise<void> {
  requireRoot();
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { drill: { type: 'string', default: 'handover' }, json: { type: 'string' }, svg: { type: 'string' }, vm: { type: 'boolean' }, untimed: { type: 'boolean' } },
  });
  const [command = 'up', drillName] = positionals;
  if (command === 'drill') {
    await runDrill({ drill: drillName ?? values.drill, json: values.json, svg: values.svg, untimed: values.untimed });
  } else if (command === 'down') {
    await down();
    console.log('lab removed');
  } else if (command === 'up' && values.vm) {
    await inVm({ drill: values.drill, json: values.json, svg: values.svg, untimed: values.untimed });
  } else if (command === 'up') {
    await up({ drill: values.drill, json: values.json, svg: values.svg, untimed: values.untimed });
  } else {
    throw new Error(`unknown lab command "${command}" (up, drill NAME, down)`);
  }
}

main().catch((err: Error) => {
  console.error(`scripts/lab: ${err.message}`);
  process.exitCode = 1;
});

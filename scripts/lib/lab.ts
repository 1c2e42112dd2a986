/*
 * The lab: a director pair and a client in network namespaces on one bridge, the pair running
 * the example configs from conf/, its status shown, and `tandem drill` run from the client
 * (a graceful handover by default) with its report printed (--json/--svg FILE to keep it).
 * `down` removes it all.
 * Run through scripts/lab, which installs what it needs first.
 */
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { Lab, alive, removeStaleNamespaces, requireRoot, waitFor } from '../../test/support/netns.js';
import { ROOT, TANDEM } from '../../test/support/pair.js';

const PREFIX = 'tdlab';
const STATE = path.join(ROOT, '.lab');
const DIRECTORS = [
  { name: 'dir1', address: '192.0.2.1/24', config: 'conf/primary.yaml' },
  { name: 'dir2', address: '192.0.2.2/24', config: 'conf/backup.yaml' },
];
const CLIENT = { name: 'client', address: '192.0.2.50/24' };

async function down(): Promise<void> {
  for (const d of DIRECTORS) {
    const pid = Number((await readFile(path.join(STATE, d.name, 'tandem.pid'), 'utf8').catch(() => '')).trim());
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGTERM');
        await waitFor(`tandem ${pid} to stop`, async () => !alive(pid), 5000, 50).catch(() => process.kill(pid, 'SIGKILL'));
      } catch {
        // already gone
      }
    }
  }
  await removeStaleNamespaces(new RegExp(`^${PREFIX}-`));
  await rm(STATE, { recursive: true, force: true });
}

async function tandem(host: string, args: string[]): Promise<string> {
  const r = await execa('ip', ['netns', 'exec', `${PREFIX}-${host}`, process.execPath, TANDEM, ...args], { reject: false });
  if (r.exitCode !== 0) throw new Error(`tandem ${args.join(' ')} on ${host}: ${r.stderr}`);
  return r.stdout;
}

async function masterOf(): Promise<string | undefined> {
  for (const d of DIRECTORS) {
    const status = JSON.parse(await tandem(d.name, ['status', '--json', '--state-dir', path.join(STATE, d.name)])) as {
      instances: { state: string }[];
    };
    if (status.instances.every((i) => i.state === 'MASTER')) return d.name;
  }
  return undefined;
}

interface LabOptions {
  drill: string;
  json?: string;
  svg?: string;
}

async function up(options: LabOptions): Promise<void> {
  const started = Date.now();
  await down(); // a rerun first removes a half-built lab
  console.log('building the lab: switch, dir1 (192.0.2.1), dir2 (192.0.2.2), client (192.0.2.50)');
  const lab = await Lab.create([...DIRECTORS.map(({ name, address }) => ({ name, address })), CLIENT], PREFIX);
  await mkdir(STATE, { recursive: true, mode: 0o700 });
  const keyFile = path.join(STATE, 'key');
  await writeFile(keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });

  for (const d of DIRECTORS) {
    // The example config as shipped, with the lab's key file in place of /etc/tandem/key.
    const config = parse(await readFile(path.join(ROOT, d.config), 'utf8')) as Record<string, unknown>;
    config.auth = { key_file: keyFile };
    const file = path.join(STATE, `${d.name}.yaml`);
    await writeFile(file, stringify(config));
    const log = openSync(path.join(STATE, `${d.name}.log`), 'a');
    // Detached, with its output in a file: the pair keeps running after this script exits.
    const child = spawn('ip', ['netns', 'exec', lab.ns(d.name), process.execPath, TANDEM, 'run', '--config', file, '--state-dir', path.join(STATE, d.name)], {
      detached: true,
      stdio: ['ignore', log, log],
    });
    child.unref();
    console.log(`started tandem on ${d.name} with ${d.config} (log: .lab/${d.name}.log)`);
  }
  const first = await waitFor('a master to be elected', masterOf, 15_000, 100);
  const shipped = parse(await readFile(path.join(ROOT, 'conf/primary.yaml'), 'utf8')) as { instances: { vips: string[] }[] };
  const vip = (shipped.instances[0]?.vips[0] ?? '').split('/')[0] as string;
  for (const d of DIRECTORS) {
    console.log(`\n== tandem status on ${d.name}`);
    console.log(await tandem(d.name, ['status', '--state-dir', path.join(STATE, d.name)]));
  }

  console.log(`\n== tandem drill ${options.drill}: ${first} is master; the client pings ${vip} every 10 ms`);
  const args = ['drill', options.drill, ...DIRECTORS.flatMap((d) => ['--node', `${d.name}=${path.join(STATE, d.name)}`]), '--vip', vip, '--max-downtime', '100'];
  if (options.json) args.push('--json', path.resolve(options.json));
  if (options.svg) args.push('--svg', path.resolve(options.svg));
  const drill = await execa('ip', ['netns', 'exec', `${PREFIX}-${CLIENT.name}`, process.execPath, TANDEM, ...args], { reject: false, timeout: 120_000 });
  console.log(drill.stdout);
  if (drill.exitCode !== 0) {
    console.error(drill.stderr);
    process.exitCode = 1;
  }
  console.log(`\nthe lab is up (${((Date.now() - started) / 1000).toFixed(1)} s). Try:`);
  console.log(`  ip netns exec ${PREFIX}-${first} node bin/tandem.js status --state-dir .lab/${first}`);
  console.log('  scripts/lab down     # removes the namespaces, the daemons and .lab/');
}

async function main(): Promise<void> {
  requireRoot();
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { drill: { type: 'string', default: 'handover' }, json: { type: 'string' }, svg: { type: 'string' } },
  });
  const [command = 'up'] = positionals;
  if (command === 'down') {
    await down();
    console.log('lab removed');
  } else if (command === 'up') {
    await up({ drill: values.drill, json: values.json, svg: values.svg });
  } else {
    throw new Error(`unknown lab command "${command}" (up, down)`);
  }
}

main().catch((err: Error) => {
  console.error(`scripts/lab: ${err.message}`);
  process.exitCode = 1;
});

import type { ResultPromise } from 'execa';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importKeepalived } from '../../src/config/keepalived/import.js';
import { IFNAME_PATTERN } from '../../src/config/vip.js';
import { waitFor } from '../support/netns.js';
import { TANDEM } from '../support/pair.js';
import { run } from '../support/programs.js';

/*
 * Keepalived's own sample configs, run by Keepalived and, imported, by tandem, side by side on
 * the real-IPVS kernel (scripts/vm): each in a network namespace of its own with the same
 * interfaces (dummies eth0, eth0.1, eth1, eth2, eth3 with an address each). Compared:
 *   - the IPVS table each puts in place at start (`ipvsadm -Sn`, lines sorted): every real
 *     server in (out if `alpha`), sorry servers where a quorum is not met. Real servers are
 *     unreachable and every connect hangs (the default route leads into a dummy that drops),
 *     so no check fails before the table is read;
 *   - the addresses on the interfaces once both have settled (VIPs of MASTER instances; none
 *     where a tracked script or interface puts the instance in FAULT), equal for three reads
 *     in a row.
 * A difference is allowed only where it is named below, with the reason.
 */

const SAMPLES = '/usr/share/doc/keepalived/samples';
/**
 * Another folder of keepalived.conf files to run the same way, by hand (every file in it): the
 * real configs from public repositories (test/corpus/keepalived-sources.md) are not ours to
 * redistribute. `TANDEM_SIDE_BY_SIDE_DIR=DIR scripts/vm -- ... test/vm/keepalived-side-by-side.test.ts`
 */
const CORPUS = process.env.TANDEM_SIDE_BY_SIDE_DIR;
const INTERFACES = ['eth0', 'eth0.1', 'eth1', 'eth2', 'eth3'];
const IFNAME = new RegExp(IFNAME_PATTERN);

/**
 * The interfaces a file names (`interface X`, `dev X`, track_interface entries) besides the
 * samples' own, so that a real config finds the interfaces it was written for.
 */
function interfacesOf(text: string): string[] {
  const named = [...text.matchAll(/(?:^|\s)(?:interface|dev)\s+([^\s{}]+)/g)].map((m) => m[1] as string);
  const tracked = [...text.matchAll(/track_interface\s*\{([^}]*)\}/g)].flatMap((m) => (m[1] as string).split('\n').map((l) => l.trim().split(/\s+/)[0] ?? ''));
  return [...new Set([...INTERFACES, ...named, ...tracked])].filter((n) => IFNAME.test(n) && n !== 'lo' && n !== 'sink');
}
const SETTLE_MS = 60_000;

type Addresses = Record<string, string[]>;

interface Expected {
  /** Why this file is not run side by side: the import (for config id `id`) must report this keyword as not translated. */
  notRun?: { keyword: string; why: string; id: string };
  /** The difference, as a change to Keepalived's addresses, routes and rules that makes them tandem's. */
  differs?: { why: string; change: (keepalived: State) => State };
}

/** What is compared besides the IPVS table: the addresses by interface, and the routes and rules. */
type State = Addresses & { routing: string[] };

const EXPECTED: Record<string, Expected> = {
  // Its directors are `-i high` and `-i low`; each moves Keepalived into a namespace of its own.
  'keepalived.conf.conditional_conf': { notRun: { keyword: 'net_namespace', why: 'Keepalived moves itself into a namespace of its own, which tandem does not', id: 'high' } },
};

const sh = async (cmd: string[], timeout = 60_000) => (await run(cmd[0] as string, cmd.slice(1), { timeout })).stdout;

class Side {
  readonly ns: string;
  private anchor?: ResultPromise;
  daemon?: ResultPromise;
  output = '';
  /** Each instance's latest state, from the daemon's own log lines as they come. */
  readonly states = new Map<string, string>();
  private partial = '';

  constructor(
    readonly name: 'keepalived' | 'tandem',
    prefix: string,
    private readonly interfaces: string[],
    /** Addresses the director has besides its base ones: the source addresses its instances name. */
    private readonly own: { address: string; dev: string }[] = [],
  ) {
    this.ns = `${prefix}-${name}`;
  }

  /**
   * Builds the namespace in two runs of `ip` (one `-batch` for every link, address and route):
   * in the guest each fork costs about 150 ms, one by one they took 4.5 s a sample.
   */
  async create(): Promise<void> {
    await sh(['ip', 'netns', 'add', this.ns]);
    const lines = ['link set lo up'];
    for (const [i, dev] of [...this.interfaces, 'sink'].entries()) {
      // eth0.1 and the like: a dummy may carry any name.
      lines.push(`link add ${dev} type dummy`);
      // A dummy has neither multicast nor ARP by default; Keepalived disables an instance without them.
      lines.push(`link set ${dev} multicast on arp on up`);
      if (dev !== 'sink') lines.push(`addr add 10.200.${i}.1/24 dev ${dev}`);
    }
    for (const { address, dev } of this.own) lines.push(address.includes(':') ? `addr add ${address}/128 dev ${dev} nodad` : `addr add ${address}/32 dev ${dev}`);
    // Every real server is unreachable and silent: a connect hangs until the check's timeout.
    lines.push('route add default dev sink');
    await this.batch(lines);
    this.anchor = run('ip', ['netns', 'exec', this.ns, 'sleep', '600'], { reject: false });
  }

  /** Runs `ip` commands in the namespace in one process; returns what they print, in order. */
  private async batch(lines: string[], options: string[] = []): Promise<string> {
    return (await run('ip', ['-n', this.ns, ...options, '-batch', '-'], { input: `${lines.join('\n')}\n`, timeout: 60_000 })).stdout;
  }

  start(argv: string[], env: Record<string, string> = {}): void {
    this.daemon = run('ip', ['netns', 'exec', this.ns, ...argv], { reject: false, all: true, buffer: false, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } });
    this.daemon.all?.on('data', (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
      const lines = (this.partial + chunk.toString()).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) this.noteState(line);
    });
  }

  /** Keepalived: `(VI_1) Entering MASTER STATE`; tandem: a JSON line with `instance` and `to`. */
  private noteState(line: string): void {
    if (this.name === 'keepalived') {
      const m = /\((\S+)\) Entering (MASTER|BACKUP|FAULT) STATE/.exec(line);
      if (m) this.states.set(m[1] as string, m[2] as string);
      return;
    }
    if (!line.startsWith('{')) return;
    const entry = JSON.parse(line) as { instance?: string; to?: string };
    if (entry.instance && entry.to) this.states.set(entry.instance, entry.to);
  }

  /**
   * Whether all `count` instances have reached where a lone director's instances end: MASTER
   * (no peer answers), or FAULT (a tracked interface or script down).
   */
  settled(count: number): boolean {
    return this.states.size >= count && [...this.states.values()].every((s) => s === 'MASTER' || s === 'FAULT');
  }

  /**
   * The kernel's table as /proc shows it (read without a fork), without the connection counts
   * (a check that connects through a virtual service moves them; the table is the same).
   */
  async procTable(): Promise<string> {
    const lines = (await readFile(`/proc/${this.anchor?.pid}/net/ip_vs`, 'utf8')).split('\n').slice(3);
    return lines
      .map((l) => (l.trim().startsWith('->') ? l.trim().split(/\s+/).slice(0, 4).join(' ') : l.trim()))
      .join('\n')
      .trim();
  }

  async saved(): Promise<string[]> {
    return (await sh(['ip', 'netns', 'exec', this.ns, 'ipvsadm', '-Sn'])).split('\n').filter(Boolean).sort();
  }

  /**
   * Addresses on every interface but lo and the sink, without the base address each was given,
   * with their scope where it is not global and their broadcast address where they have one.
   */
  async addresses(): Promise<Addresses> {
    type Address = { local: string; prefixlen: number; family: string; scope: string; broadcast?: string };
    const links = JSON.parse(await sh(['ip', '-n', this.ns, '-j', 'addr', 'show'])) as { ifname: string; addr_info: Address[] }[];
    const text = (a: Address) => `${a.local}/${a.prefixlen}${a.scope === 'global' ? '' : ` scope ${a.scope}`}${a.broadcast ? ` brd ${a.broadcast}` : ''}`;
    const out: Addresses = {};
    for (const l of links) {
      if (l.ifname === 'lo' || l.ifname === 'sink') continue;
      out[l.ifname] = l.addr_info.filter((a) => a.family === 'inet' && !a.local.startsWith('10.200.')).map(text).sort();
    }
    return out;
  }

  /**
   * The routes and policy rules put in place (virtual_routes, static_routes and the rules), as
   * `ip` lists them without what the kernel adds itself, the lab's default route, each
   * daemon's `proto` mark and the rules' priorities (the kernel numbers unnumbered rules in
   * the order they come).
   */
  async routing(): Promise<string[]> {
    // One run of `ip` for both lists (-force: past a failing command): a rule's line starts
    // with its priority (`0:`), a route's never does.
    const lines = (await this.batch(['route show table all', 'rule show'], ['-4', '-force']).catch(() => ''))
      .split('\n')
      // The kernel's own routes follow the addresses (compared already); which of two VIPs of
      // one subnet is its source depends on which instance took over first.
      .filter((l) => !l.includes('proto kernel'))
      .map((l) => l.replace(/\s+proto \S+/, '').replace(/\s+/g, ' ').trim())
      .filter(Boolean);
    const isRule = (l: string) => /^\d+: /.test(l);
    const routes = lines.filter((l) => !isRule(l) && !/^(local|broadcast|multicast) |table local|scope link src 10\.200\.| dev sink/.test(l) && !l.startsWith('default dev sink'));
    const rules = lines.filter((l) => isRule(l) && !/^(0|32766|32767):/.test(l)).map((l) => l.replace(/^\d+:\s*/, ''));
    return [...routes.map((r) => `route ${r}`), ...rules.map((r) => `rule ${r}`)].sort();
  }

  async destroy(): Promise<void> {
    for (const p of [this.daemon, this.anchor]) if (p && p.exitCode === null) p.kill('SIGKILL');
    await Promise.allSettled([this.daemon, this.anchor]);
    await run('ip', ['netns', 'del', this.ns], { reject: false });
  }
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-side-by-side-'));
  await writeFile(path.join(dir, 'script.sh'), '#!/bin/sh\nexec sleep 600\n', { mode: 0o755 });
  await writeFile(path.join(dir, 'ok.sh'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * The samples' MISC_CHECK script does not exist here (Keepalived then keeps the server in and
 * tandem takes it out: README, "Moving from Keepalived"). Both run the sample with its path
 * moved to one that hangs, so that no check ends before the tables are read.
 */
const MISC_SCRIPT = '/usr/local/bin/script.sh';

const SOURCE = CORPUS ?? SAMPLES;
const files = (await readdir(SOURCE).catch(() => [] as string[])).filter((f) => CORPUS !== undefined || f.startsWith('keepalived.conf.')).sort();

describe(`${CORPUS ? CORPUS : "Keepalived's samples"}, side by side with their import, on a real kernel`, () => {
  it('has the samples (scripts/test installs keepalived)', () => {
    expect(files.length, `${SOURCE} holds no keepalived.conf.*: apt-get install keepalived`).toBeGreaterThanOrEqual(CORPUS ? 1 : 20);
  });

  for (const file of files) {
    const expected = EXPECTED[file] ?? {};
    const { notRun } = expected;
    if (notRun) {
      it(`${file}: not run side by side (${notRun.keyword}: ${notRun.why}); the import says so`, async () => {
        const imported = importKeepalived(await readFile(path.join(SOURCE, file), 'utf8'), file, { configId: notRun.id });
        expect(imported.notes.filter((n) => n.kind === 'untranslated').map((n) => n.where)).toContain(notRun.keyword);
      });
      continue;
    }
    it(file, async () => {
      const original = await readFile(path.join(SOURCE, file), 'utf8');
      // A real config's health scripts are not here: both daemons run one that succeeds instead.
      const text = CORPUS ? original.replace(/^(\s*(?:script|misc_path)\s+"?)[^\s"]+/gm, `$1${path.join(dir, 'ok.sh')}`) : original.replaceAll(MISC_SCRIPT, path.join(dir, 'script.sh'));
      const imported = importKeepalived(text, file, { configId: 'lb1' });
      expect(imported.problems).toEqual([]);
      const config = parse(imported.yaml) as Record<string, unknown>;
      const keyFile = path.join(dir, `${file}.key`);
      await writeFile(keyFile, 'side-by-side-key-0123456789abcdef\n');
      await chmod(keyFile, 0o600);
      if (typeof config.auth === 'object') config.auth = { key_file: keyFile };
      const yamlFile = path.join(dir, `${file}.yaml`);
      await writeFile(yamlFile, stringify(config));
      const confFile = path.join(dir, file);
      await writeFile(confFile, text);

      const prefix = `sbs${process.pid % 10000}`;
      const interfaces = interfacesOf(text);
      // An instance's mcast_src_ip / unicast_src_ip is an address of the director it was written for.
      const instances = (config.instances ?? []) as { interface: string; source_address?: string }[];
      const own = [...new Map(instances.filter((i) => i.source_address).map((i) => [i.source_address, { address: i.source_address as string, dev: i.interface }])).values()];
      const ka = new Side('keepalived', prefix, interfaces, own);
      const td = new Side('tandem', prefix, interfaces, own);
      try {
        await ka.create();
        await td.create();
        const pid = (n: string) => path.join(dir, `${file}.${n}.pid`);
        ka.start(['keepalived', '-n', '-l', '-D', '-f', confFile, '-p', pid('main'), '-r', pid('vrrp'), '-c', pid('checkers'), '-i', 'lb1']);
        // A short state dir: a unix socket's path holds 107 bytes, and real configs have long names.
        td.start([process.execPath, TANDEM, 'run', '--config', yamlFile, '--state-dir', path.join(dir, `state-${files.indexOf(file)}`)], { TANDEM_LOG_LEVEL: 'info' });
        const failed = (side: Side) => `${side.name} ended: ${side.output.slice(-3000)}`;

        if (config.virtual_services) {
          // The table each puts in place at start, read once it has stopped changing.
          const settled = async (side: Side) => {
            let last = '';
            await waitFor(`${side.name}'s IPVS table`, async () => {
              if (side.daemon?.exitCode !== null) throw new Error(failed(side));
              const now = await side.procTable();
              const same = now !== '' && now === last;
              last = now;
              return same;
            }, SETTLE_MS, 300).catch((err: Error) => {
              throw new Error(`${err.message}; ${side.name} said: ${side.output.slice(-2500)}`);
            });
            const saved = await side.saved();
            // The saved table is the settled one only if nothing changed while ipvsadm read it.
            expect(await side.procTable(), `${side.name}'s table changed while it was read`).toBe(last);
            return saved;
          };
          const [k, t] = await Promise.all([settled(ka), settled(td)]);
          expect(t, `${file}: the IPVS table`).toEqual(k);
        }

        // The addresses, routes and rules, once every instance of both has taken over or
        // faulted (each says so in its log): then equal three reads in a row.
        const change = expected.differs?.change ?? ((a: State) => a);
        const count = ((config.instances ?? []) as unknown[]).length;
        let agreed = 0;
        let last = { k: {} as State, t: {} as State };
        await waitFor(
          'the VIPs, routes and rules of both to agree',
          async () => {
            for (const side of [ka, td]) if (side.daemon?.exitCode !== null) throw new Error(failed(side));
            if (!ka.settled(count) || !td.settled(count)) return false;
            const [kAddresses, kRouting, tAddresses, tRouting] = await Promise.all([ka.addresses(), ka.routing(), td.addresses(), td.routing()]);
            last = { k: change({ ...kAddresses, routing: kRouting }), t: { ...tAddresses, routing: tRouting } };
            agreed = JSON.stringify(last.k) === JSON.stringify(last.t) ? agreed + 1 : 0;
            return agreed >= 3;
          },
          SETTLE_MS,
          250,
        ).catch((err: Error) => {
          const states = (side: Side) => JSON.stringify(Object.fromEntries(side.states));
          throw new Error(
            `${err.message}; ${count} instances; states: Keepalived ${states(ka)}, tandem ${states(td)}; addresses: Keepalived ${JSON.stringify(last.k)}, tandem ${JSON.stringify(last.t)}; tandem said: ${td.output.slice(-2500)}`,
          );
        });
      } finally {
        await ka.destroy();
        await td.destroy();
      }
    });
  }
});

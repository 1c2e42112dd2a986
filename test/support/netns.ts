import type { ResultPromise } from 'execa';
import { randomBytes } from 'node:crypto';
import { processAlive } from '../../src/net/process.js';
import { run } from './programs.js';

/*
 * A lab network built from Linux network namespaces: one "switch" namespace holding a bridge,
 * and one namespace per host, each wired to the bridge by a veth pair (eth0 in the host, a
 * port named after the host in the switch). Addresses come from the documentation ranges.
 * Everything made here is removed by destroy(), which the tests call even on failure.
 */

export interface HostSpec {
  name: string;
  /** ADDRESS/PREFIX for eth0. */
  address: string;
  /** The bridge eth0 joins (default `br0`). */
  bridge?: string;
  /** More interfaces, each on a bridge of its own name in the switch (its port: `host-dev`). */
  links?: { dev: string; bridge: string; address: string }[];
}

export interface Spawned {
  host: string;
  process: ResultPromise;
  output: () => string;
}

export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('this suite builds network namespaces and needs root: run it as root (scripts/test does)');
  }
}

export async function ip(args: string[]): Promise<string> {
  return (await run('ip', args, { timeout: 10_000 })).stdout;
}

export class Lab {
  readonly processes: Spawned[] = [];
  private constructor(
    readonly prefix: string,
    readonly hosts: Map<string, HostSpec>,
  ) {}

  /** Namespace of a host (or of the switch, "sw"). */
  ns(host: string): string {
    return `${this.prefix}-${host}`;
  }

  static async create(hosts: HostSpec[], prefix = `td${process.pid}x${randomBytes(2).toString('hex')}`): Promise<Lab> {
    requireRoot();
    const lab = new Lab(prefix, new Map(hosts.map((h) => [h.name, h])));
    try {
      const sw = lab.ns('sw');
      const bridges = new Set<string>();
      await ip(['netns', 'add', sw]);
      for (const h of hosts) {
        const ns = lab.ns(h.name);
        await ip(['netns', 'add', ns]);
        await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
        await ip(['-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', h.name, 'netns', sw]);
        await ip(['-n', ns, 'addr', 'add', h.address, 'dev', 'eth0']);
        await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
        for (const l of [{ dev: 'eth0', bridge: h.bridge ?? 'br0', address: '' }, ...(h.links ?? [])]) {
          if (!bridges.has(l.bridge)) {
            await ip(['-n', sw, 'link', 'add', l.bridge, 'type', 'bridge']);
            await ip(['-n', sw, 'link', 'set', l.bridge, 'up']);
            bridges.add(l.bridge);
          }
          const port = portName(h.name, l.dev);
          if (l.dev !== 'eth0') {
            await ip(['-n', ns, 'link', 'add', l.dev, 'type', 'veth', 'peer', 'name', port, 'netns', sw]);
            await ip(['-n', ns, 'addr', 'add', l.address, 'dev', l.dev]);
            await ip(['-n', ns, 'link', 'set', l.dev, 'up']);
          }
          await ip(['-n', sw, 'link', 'set', port, 'master', l.bridge]);
          await ip(['-n', sw, 'link', 'set', port, 'up']);
        }
      }
    } catch (err) {
      await lab.destroy();
      throw err;
    }
    return lab;
  }

  /** Runs a command in a host and returns its stdout. */
  async exec(host: string, argv: string[], timeoutMs = 15_000): Promise<string> {
    return (await run('ip', ['netns', 'exec', this.ns(host), ...argv], { timeout: timeoutMs })).stdout;
  }

  /** Starts a long-running process in a host; destroy() kills it if the test did not. */
  spawn(host: string, argv: string[], env: Record<string, string> = {}): Spawned {
    let out = '';
    const child = run('ip', ['netns', 'exec', this.ns(host), ...argv], {
      reject: false,
      env,
      all: true,
      buffer: false,
      forceKillAfterDelay: 2000,
    });
    child.all?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.length > 4_000_000) out = out.slice(-2_000_000);
    });
    const spawned = { host, process: child, output: () => out };
    this.processes.push(spawned);
    return spawned;
  }

  /** Cuts a host's link at the switch: its eth0 (or `dev`) loses carrier, as with a pulled cable. */
  async cutLink(host: string, dev = 'eth0'): Promise<void> {
    await ip(['-n', this.ns('sw'), 'link', 'set', portName(host, dev), 'down']);
  }

  async healLink(host: string, dev = 'eth0'): Promise<void> {
    await ip(['-n', this.ns('sw'), 'link', 'set', portName(host, dev), 'up']);
  }

  /** Addresses on a host's eth0 (ADDRESS/PREFIX). */
  async addresses(host: string, dev = 'eth0'): Promise<string[]> {
    const out = await ip(['-n', this.ns(host), '-j', 'addr', 'show', 'dev', dev]);
    const links = JSON.parse(out) as { addr_info: { local: string; prefixlen: number }[] }[];
    return links.flatMap((l) => l.addr_info.map((a) => `${a.local}/${a.prefixlen}`));
  }

  async destroy(): Promise<void> {
    for (const p of this.processes) {
      if (p.process.exitCode === null) p.process.kill('SIGKILL');
    }
    await Promise.allSettled(this.processes.map((p) => p.process));
    for (const name of [...this.hosts.keys(), 'sw']) {
      await run('ip', ['netns', 'del', this.ns(name)], { reject: false });
    }
  }
}

/** The switch port of a host's interface: the host's name for eth0, `host-dev` for the others. */
export function portName(host: string, dev = 'eth0'): string {
  return dev === 'eth0' ? host : `${host}-${dev}`;
}

/** Whether a process with this pid runs (a zombie does not). */
export const alive = processAlive;

/**
 * Namespaces of earlier runs that died before cleaning up. Test labs are named after the pid of
 * the run that made them (`td<pid>x...`), so a run never takes another live run's namespaces.
 */
export async function removeStaleNamespaces(prefixPattern = /^td(\d+)x[0-9a-f]{4}-/): Promise<void> {
  const out = await run('ip', ['netns', 'list'], { reject: false });
  for (const line of out.stdout.split('\n')) {
    const name = line.split(' ')[0];
    const match = name ? prefixPattern.exec(name) : null;
    if (!name || !match) continue;
    if (match[1] && /^\d+$/.test(match[1]) && alive(Number(match[1]))) continue;
    // Processes a killed run left inside (daemons, pings) go with their namespace.
    const pids = await run('ip', ['netns', 'pids', name], { reject: false });
    for (const pid of pids.stdout.split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await run('ip', ['netns', 'del', name], { reject: false });
  }
}

/** Polls `probe` every `everyMs` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 10_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

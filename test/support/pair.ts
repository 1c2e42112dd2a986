import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { DaemonStatus } from '../../src/daemon/daemon.js';
import { longestGap, parsePingReplies, pingCommand } from '../../src/drill/probe.js';
import type { InstanceStatus } from '../../src/daemon/instance.js';
import type { Lab, Spawned } from './netns.js';
import { waitFor } from './netns.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TANDEM = path.join(ROOT, 'bin/tandem.js');
export const VIP = '192.0.2.100';
export const KEY = 'lab-shared-key-0123456789abcdef';

export interface NodeOptions {
  priority: number;
  advertInterval?: number;
  preempt?: boolean;
  extra?: Record<string, unknown>;
  instance?: Record<string, unknown>;
}

/** A config for one director of the lab pair: one instance on eth0 holding VIP. */
export function pairConfig(o: NodeOptions): Record<string, unknown> {
  return {
    auth: { key_env: 'TANDEM_KEY' },
    garp: { repeat: 2, delay: 0 },
    instances: [
      {
        name: 'VI_1',
        interface: 'eth0',
        vrid: 51,
        priority: o.priority,
        advert_interval: o.advertInterval ?? 0.1,
        preempt: o.preempt ?? true,
        vips: [`${VIP}/24`],
        ...o.instance,
      },
    ],
    ...o.extra,
  };
}

/** The `web` virtual service on VIP:80 the tests and benches use, with its check and servers. */
export function webService(check: Record<string, unknown>, realServers: Record<string, unknown>[], more: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'web', protocol: 'tcp', address: VIP, port: 80, check, real_servers: realServers, ...more };
}

/** Runs tandem daemons in lab hosts, each with its own config file and state dir. */
export class TandemNodes {
  readonly daemons = new Map<string, Spawned>();
  /** The daemons' log level: tests read debug lines; benches keep to info, as in production. */
  logLevel = 'debug';
  /** How a daemon is started: this Node.js on bin/tandem.js, or (benches) the command itself, as an operator runs it. */
  command: string[] = [process.execPath, TANDEM];

  private constructor(
    private readonly lab: Lab,
    readonly dir: string,
  ) {}

  static async create(lab: Lab): Promise<TandemNodes> {
    return new TandemNodes(lab, await mkdtemp(path.join(os.tmpdir(), 'tandem-test-')));
  }

  stateDir(host: string): string {
    return path.join(this.dir, host, 'state');
  }

  configFile(host: string): string {
    return path.join(this.dir, `${host}.yaml`);
  }

  async start(host: string, config: Record<string, unknown>, key = KEY, args: string[] = []): Promise<Spawned> {
    await writeFile(this.configFile(host), stringify(config));
    const env = { TANDEM_KEY: key, TANDEM_LOG_LEVEL: this.logLevel, PATH: process.env.PATH ?? '/usr/bin:/bin' };
    const d = this.lab.spawn(host, [...this.command, 'run', '--config', this.configFile(host), '--state-dir', this.stateDir(host), ...args], env);
    this.daemons.set(host, d);
    // A hang guard, not a speed goal: a director of the cluster lab took more than 15 s to
    // answer in the one-CPU guest while the other streams of scripts/test ran.
    await waitFor(`tandem on ${host} to answer status`, () => this.status(host).then(() => true), 60_000, 50);
    return d;
  }

  async status(host: string): Promise<DaemonStatus> {
    const out = await this.lab.exec(host, [process.execPath, TANDEM, 'status', '--json', '--state-dir', this.stateDir(host)]);
    return JSON.parse(out) as DaemonStatus;
  }

  async instance(host: string, name = 'VI_1'): Promise<InstanceStatus> {
    const s = await this.status(host);
    const i = s.instances.find((x) => x.name === name);
    if (!i) throw new Error(`no instance ${name} on ${host}`);
    return i;
  }

  /** Starts dir1 (it becomes MASTER), then dir2 (BACKUP), each with its config. */
  async startPair(dir1: Record<string, unknown>, dir2: Record<string, unknown>): Promise<void> {
    await this.start('dir1', dir1);
    await this.waitState('dir1', 'MASTER');
    await this.start('dir2', dir2);
    await this.waitState('dir2', 'BACKUP');
  }

  async waitState(host: string, state: string, timeoutMs = 10_000, name = 'VI_1'): Promise<InstanceStatus> {
    return waitFor(`${host} ${name} to be ${state}`, async () => {
      const i = await this.instance(host, name);
      return i.state === state ? i : undefined;
    }, timeoutMs, 20);
  }

  /** A BACKUP that hears `master` (a backup is BACKUP from its start, before it hears anyone). */
  async waitFollowing(host: string, master: string, timeoutMs = 10_000, name = 'VI_1'): Promise<InstanceStatus> {
    return waitFor(`${host} ${name} to follow ${master}`, async () => {
      const i = await this.instance(host, name);
      return i.state === 'BACKUP' && i.master === master ? i : undefined;
    }, timeoutMs, 20);
  }

  /** Sends a signal and waits for the daemon to exit; returns its exit code. */
  async kill(host: string, signal: NodeJS.Signals): Promise<number | undefined> {
    const d = this.daemons.get(host);
    if (!d) throw new Error(`no daemon on ${host}`);
    // `ip netns exec` execs the command, so this pid is node's own.
    d.process.kill(signal);
    const result = await d.process;
    this.daemons.delete(host);
    return result.exitCode;
  }

  async cleanup(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * A client pinging a target every 10 ms (`ping -D` prints a timestamp per reply); the largest
 * gap between replies is the outage. Bounded by `-w` and stopped with SIGINT.
 */
export class PingProbe {
  private constructor(private readonly spawned: Spawned) {}

  static start(lab: Lab, host: string, target: string, maxSeconds = 120, intervalS = 0.01): PingProbe {
    return new PingProbe(lab.spawn(host, pingCommand(target, maxSeconds, intervalS)));
  }

  /** Reply times (ms) and echo sequence numbers, in order. */
  replies(): { at: number; seq: number }[] {
    return parsePingReplies(this.spawned.output());
  }

  /**
   * Largest gap between replies in ms (ping's own scheduling jitter included), the replies
   * counted, and the echo requests lost between the first and the last reply.
   */
  async stop(): Promise<{ maxGapMs: number; replies: number; lost: number }> {
    this.spawned.process.kill('SIGINT');
    await this.spawned.process;
    const replies = this.replies();
    const seqs = new Set(replies.map((r) => r.seq));
    const span = replies.length ? Math.max(...seqs) - Math.min(...seqs) + 1 : 0;
    return { maxGapMs: longestGap(replies.map((r) => r.at)), replies: replies.length, lost: span - seqs.size };
  }
}


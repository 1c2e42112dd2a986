import { pino } from 'pino';
import type { Logger } from 'pino';
import { Director } from '../daemon/director.js';
import { Reloader } from '../daemon/reload.js';
import type { Config } from '../config/schema.js';
import type { Auth } from '../vrrp/advert.js';
import type { ClusterSpec, NodeConfig } from './cluster.js';
import { buildConfig, hostIfaces, hostName } from './cluster.js';
import { SimHost } from './host.js';
import type { SimDefect, SimWorld } from './host.js';
import type { SimNetwork } from './network.js';
import type { Scheduler } from './scheduler.js';
import { prng } from './network.js';

export type ProcessState = 'running' | 'booting' | 'stopping' | 'stopped' | 'killed' | 'down';

/** The outcome of one reload, for the "whole or not at all" invariant. */
export interface ReloadOutcome {
  ok: boolean;
  error?: string;
  /** The config the director runs afterwards, and the one it had to run (old or new). */
  running: Config;
  expected: Config;
  /** The file before the edit. */
  before: NodeConfig;
  /** The config the edit asked for. */
  attempted: Config;
}

/** One simulated director: a host and the tandem process on it (the real Director). */
export class SimNode {
  readonly name: string;
  readonly host: SimHost;
  director?: Director;
  private reloader?: Reloader;
  state: ProcessState = 'stopped';
  /** What the config file says (the last config applied; a refused edit is reverted). */
  nc: NodeConfig;
  running: { config: Config; auth: Auth };
  /** Reloads and stops under way: the node is between two consistent states. */
  busy = 0;
  /** Per VRID: until when a step-down keeps this node from preempting. */
  readonly holdUntil = new Map<number, number>();
  private readonly log: Logger;

  constructor(
    readonly index: number,
    private readonly spec: ClusterSpec,
    nc: NodeConfig,
    private readonly scheduler: Scheduler,
    network: SimNetwork,
    world: SimWorld,
    log?: Logger,
    private readonly defect?: SimDefect,
  ) {
    this.name = hostName(index);
    this.host = new SimHost(this.name, hostIfaces(index), network, world);
    this.nc = nc;
    const built = buildConfig(spec, index, nc);
    this.running = { config: built.config, auth: built.auth };
    this.log = (log ?? pino({ level: 'silent' })).child({ node: this.name });
  }

  /** Starts tandem on the host (its config file as it is now). */
  async boot(): Promise<void> {
    this.host.running = true;
    this.state = 'booting';
    const seams = { ...this.host.seams(this.scheduler, this.defect), random: prng(this.index + 1) };
    let director: Director;
    try {
      director = await Director.open(this.running, { seams, log: this.log, epoch: this.host.nextEpoch() });
    } catch (err) {
      this.state = 'stopped';
      throw err;
    }
    this.director = director;
    this.reloader = new Reloader(director, { log: this.log, clock: seams.clock, addresses: seams.addresses });
    await director.start();
    if (this.director === director) this.state = 'running';
  }

  /** SIGTERM: the graceful stop (priority 0, VIPs released once a successor is heard). */
  async stop(): Promise<void> {
    const director = this.director;
    this.state = 'stopping';
    this.busy += 1;
    try {
      await director?.stop();
    } finally {
      this.busy = Math.max(0, this.busy - 1);
    }
    if (this.director === director) {
      this.director = undefined;
      this.state = 'stopped';
    }
  }

  /** kill -9: the process is gone, the kernel keeps the VIPs and the IPVS table. */
  kill(network: SimNetwork): void {
    this.host.killProcess();
    this.gone(network, 'killed');
  }

  /** The machine goes down: process, addresses, table. */
  crash(network: SimNetwork): void {
    this.host.crash();
    this.gone(network, 'down');
  }

  private gone(network: SimNetwork, state: ProcessState): void {
    network.dropHost(this.host);
    this.director = undefined;
    this.busy = 0;
    this.state = state;
  }

  /** Writes the config file while tandem is not running: the next start reads it. */
  writeFile(nc: NodeConfig): void {
    const built = buildConfig(this.spec, this.index, nc);
    this.nc = nc;
    this.running = { config: built.config, auth: built.auth };
  }

  /** Writes a new config file and reloads it; a refused one is reverted (the operator fixes it). */
  async reload(nc: NodeConfig): Promise<ReloadOutcome | undefined> {
    const reloader = this.reloader;
    const director = this.director;
    if (!reloader || !director || this.state !== 'running') return undefined;
    const next = buildConfig(this.spec, this.index, nc);
    const before = this.running;
    const beforeFile = this.nc;
    this.busy += 1;
    try {
      await reloader.reload('simulated edit', async () => ({ file: `${this.name}.yaml`, config: next.config, auth: next.auth, warnings: [] }));
      if (this.director !== director) return undefined;
      this.running = { config: next.config, auth: next.auth };
      this.nc = nc;
      return { ok: true, running: director.config, expected: next.config, before: beforeFile, attempted: next.config };
    } catch (err) {
      if (this.director !== director) return undefined;
      return { ok: false, error: (err as Error).message, running: director.config, expected: before.config, before: beforeFile, attempted: next.config };
    } finally {
      this.busy = Math.max(0, this.busy - 1);
    }
  }
}

/*
 * A director pair for the side-by-side benches: Keepalived or tandem, started on lab hosts with
 * the same priorities, VRID, VIP and advert interval, so each bench runs both the same way.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Lab, Spawned } from '../../test/support/netns.js';
import { ip, waitFor } from '../../test/support/netns.js';
import { KEY, type TandemNodes, VIP, pairConfig } from '../../test/support/pair.js';

export type Impl = 'keepalived' | 'tandem';
export const IMPLS: Impl[] = ['keepalived', 'tandem'];
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Director {
  host: string;
  priority: number;
  vrid?: number;
  vip?: string;
  /** tandem's shared key (Keepalived's VRRPv3 has no authentication). */
  key?: string;
}

function keepalivedConf(d: Director, interval: number): string {
  return `global_defs {
  router_id ${d.host}
  vrrp_version 3
  vrrp_garp_master_delay 0
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id ${d.vrid ?? 51}
  priority ${d.priority}
  advert_int ${interval}
  garp_master_repeat 2
  virtual_ipaddress {
    ${d.vip ?? VIP}/24
  }
}
`;
}

export class BenchPair {
  private readonly keepalived = new Map<string, Spawned>();
  constructor(
    readonly lab: Lab,
    readonly nodes: TandemNodes,
    private readonly dir: string,
  ) {}

  async hasVip(host: string, vip = VIP): Promise<boolean> {
    return (await this.lab.addresses(host)).includes(`${vip}/24`);
  }

  private pidFile(host: string, name: string): string {
    return path.join(this.dir, `${host}-${name}.pid`);
  }

  async start(impl: Impl, d: Director, interval: number): Promise<void> {
    if (impl === 'tandem') {
      const instance = { vrid: d.vrid ?? 51, vips: [`${d.vip ?? VIP}/24`] };
      await this.nodes.start(d.host, pairConfig({ priority: d.priority, advertInterval: interval, instance }), d.key ?? KEY);
      return;
    }
    const conf = path.join(this.dir, `keepalived-${d.host}.conf`);
    await writeFile(conf, keepalivedConf(d, interval));
    const pid = (name: string) => this.pidFile(d.host, name);
    this.keepalived.set(
      d.host,
      this.lab.spawn(d.host, ['keepalived', '-n', '-l', '-D', '-P', '-f', conf, '-p', pid('main'), '-r', pid('vrrp'), '-c', pid('checkers')]),
    );
  }

  /** The daemon's own process: tandem's, Keepalived's parent (`ip netns exec` execs it). */
  mainPid(impl: Impl, host: string): number {
    const pid = (impl === 'tandem' ? this.nodes.daemons.get(host) : this.keepalived.get(host))?.process.pid;
    if (!pid) throw new Error(`no ${impl} on ${host}`);
    return pid;
  }

  /** The process that runs VRRP: tandem's daemon, Keepalived's VRRP child. */
  async vrrpPid(impl: Impl, host: string): Promise<number> {
    if (impl === 'tandem') return this.mainPid(impl, host);
    return waitFor(`keepalived's VRRP child on ${host}`, async () => {
      const text = await readFile(this.pidFile(host, 'vrrp'), 'utf8').catch(() => '');
      return Number(text.trim()) || undefined;
    }, 10_000, 20);
  }

  async stop(impl: Impl, host: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (impl === 'tandem') {
      if (this.nodes.daemons.has(host)) await this.nodes.kill(host, signal);
      return;
    }
    const k = this.keepalived.get(host);
    if (!k) return;
    if (signal === 'SIGKILL') {
      // A killed parent leaves its children: kill the VRRP child too, as a crash of the host would.
      const child = Number((await readFile(this.pidFile(host, 'vrrp'), 'utf8').catch(() => '')).trim());
      try {
        if (child) process.kill(child, 'SIGKILL');
      } catch {
        // Gone already (the pid file outlives its process).
      }
    }
    k.process.kill(signal);
    await k.process;
    this.keepalived.delete(host);
  }

  /** Starts the first director, then the others, and waits until the first alone holds the VIP. */
  async up(impl: Impl, directors: Director[], interval: number): Promise<void> {
    const [first, ...rest] = directors as [Director, ...Director[]];
    await this.start(impl, first, interval);
    await waitFor(`${first.host} to hold the VIP`, () => this.hasVip(first.host, first.vip), 20_000, 20);
    for (const d of rest) await this.start(impl, d, interval);
    await sleep(Math.max(1500, interval * 5000));
    for (const d of rest) {
      if (d.vip === first.vip && (await this.hasVip(d.host, d.vip))) throw new Error(`${impl}: ${first.host} should hold the VIP alone`);
    }
  }

  async down(impl: Impl, directors: Director[]): Promise<void> {
    for (const d of directors) await this.stop(impl, d.host);
    for (const d of directors) {
      await this.lab.healLink(d.host);
      const vip = `${d.vip ?? VIP}/24`;
      if ((await this.lab.addresses(d.host)).includes(vip)) await ip(['-n', this.lab.ns(d.host), 'addr', 'del', vip, 'dev', 'eth0']);
    }
  }
}

import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { Config } from '../config/schema.js';
import { parseConfig } from '../config/parse.js';
import type { Auth } from '../vrrp/advert.js';

/*
 * The simulated cluster: 2 or 3 hosts on one LAN, each with eth0 (two addresses) and eth1
 * (one), running tandem with up to two instances, a tracking script, a tracked interface and a
 * virtual service with two real servers. Each node's config is written as a YAML file would
 * be and parsed by the real parser, so every config the simulator runs is one a user could.
 */

export interface InstanceSpec {
  vrid: number;
  /** Per node: the configured priority (1-254). */
  priorities: number[];
  /** Per node: preempt (Keepalived's nopreempt when false). */
  preempt: boolean[];
  preemptDelay: number;
  advertInterval: number;
  unicast: boolean;
  vipCount: number;
}

export interface ClusterSpec {
  nodes: number;
  instances: InstanceSpec[];
  /** Both instances in one sync group (when there are two). */
  syncGroup: boolean;
  /** A tracking script every instance tracks: its weight (0: FAULT while it fails). */
  scriptWeight: number | null;
  /** eth1 tracked by every instance on eth0: its weight (0: FAULT while down). */
  trackEth1Weight: number | null;
  /** A virtual service on the first VIP, two real servers; tracked with this weight, or not. */
  service: { trackWeight: number | null } | null;
}

/** What a node's config file says now: the spec plus the reloads it has had. */
export interface NodeConfig {
  instances: ({ present: boolean; priority: number; vipCount: number; advertInterval: number; iface: 'eth0' | 'eth1'; source: 'auto' | 'secondary' | 'foreign' } | undefined)[];
  keyGeneration: number;
  port: number;
}

export const SERVERS = ['10.0.2.1', '10.0.2.2'];

export function hostName(i: number): string {
  return `d${i + 1}`;
}

/** Node i's interfaces and addresses. */
export function hostIfaces(i: number): Record<string, string[]> {
  return { eth0: [`10.0.0.${11 + i}`, `10.0.0.${21 + i}`], eth1: [`10.0.1.${11 + i}`] };
}

export function vipOf(instance: number, k: number): string {
  return `10.0.0.${100 + instance * 10 + k}`;
}

export function initialNodeConfig(spec: ClusterSpec, node: number): NodeConfig {
  return {
    instances: spec.instances.map((inst) => ({
      present: true,
      priority: inst.priorities[node] as number,
      vipCount: inst.vipCount,
      advertInterval: inst.advertInterval,
      iface: 'eth0',
      source: 'auto',
    })),
    keyGeneration: 0,
    port: 5798,
  };
}

export function authFor(generation: number): Auth {
  return { type: 'hmac-sha256', key: createHash('sha256').update(`tandem-sim-key-${generation}`).digest() };
}

/** The node's config as a user would write it, through the real parser (defaults, checks). */
export function buildConfig(spec: ClusterSpec, node: number, nc: NodeConfig): { config: Config; auth: Auth; text: string } {
  const ifaces = hostIfaces(node);
  const names: string[] = [];
  const instances = spec.instances.flatMap((inst, k) => {
    const c = nc.instances[k];
    if (!c?.present) return [];
    const name = `VI_${k + 1}`;
    names.push(name);
    const source = c.source === 'secondary' ? (c.iface === 'eth0' ? ifaces.eth0?.[1] : undefined) : c.source === 'foreign' ? '10.9.9.9' : undefined;
    const peers = Array.from({ length: spec.nodes }, (_, n) => n)
      .filter((n) => n !== node)
      .map((n) => hostIfaces(n).eth0?.[0] as string);
    return [
      {
        name,
        interface: c.iface,
        vrid: inst.vrid,
        priority: c.priority,
        advert_interval: c.advertInterval,
        preempt: inst.preempt[node],
        preempt_delay: inst.preemptDelay,
        vips: Array.from({ length: c.vipCount }, (_, v) => `${vipOf(k, v)}/24`),
        ...(source ? { source_address: source } : {}),
        ...(inst.unicast ? { unicast_peers: peers } : {}),
        ...(spec.trackEth1Weight !== null && c.iface === 'eth0' ? { track_interfaces: [{ interface: 'eth1', weight: spec.trackEth1Weight }] } : {}),
        ...(spec.scriptWeight !== null ? { track_scripts: ['chk'] } : {}),
        ...(spec.service?.trackWeight != null && k === 0 ? { track_services: [{ service: 'web', weight: spec.service.trackWeight }] } : {}),
      },
    ];
  });
  const doc = {
    auth: { key_env: 'TANDEM_SIM_KEY' },
    transport: { port: nc.port, multicast_group: '224.0.0.18' },
    garp: { repeat: 1, delay: 2, refresh: 0 },
    instances,
    ...(spec.syncGroup && names.length === 2 ? { sync_groups: [{ name: 'G', instances: names }] } : {}),
    ...(spec.scriptWeight !== null ? { scripts: { chk: { command: ['/bin/true'], interval: 1, fall: 1, rise: 1, timeout: 1, weight: spec.scriptWeight } } } : {}),
    ...(spec.service
      ? {
          ipvs: { repair_interval: 2 },
          virtual_services: [
            {
              name: 'web',
              protocol: 'tcp',
              address: vipOf(0, 0),
              port: 80,
              scheduler: 'rr',
              quorum: 2,
              check: { type: 'tcp', interval: 1, timeout: 1, fall: 1, rise: 1 },
              real_servers: SERVERS.map((address) => ({ address, port: 80, method: 'nat' })),
            },
          ],
        }
      : {}),
  };
  const text = stringify(doc);
  const parsed = parseConfig(text, `${hostName(node)}.yaml`);
  return { config: parsed.config, auth: authFor(nc.keyGeneration), text };
}

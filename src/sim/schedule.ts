import type { ClusterSpec, NodeConfig } from './cluster.js';

/** A reload's edit of one node's config file (or of every node's, for the key). */
export type Edit =
  | { kind: 'priority'; instance: number; priority: number }
  | { kind: 'vips'; instance: number; count: number }
  | { kind: 'interval'; instance: number; seconds: number }
  | { kind: 'move'; instance: number; iface: 'eth0' | 'eth1' }
  /** `foreign`: an address the host does not have; the reload must be refused whole. */
  | { kind: 'source'; instance: number; source: 'auto' | 'secondary' | 'foreign' }
  | { kind: 'instance'; instance: number; present: boolean }
  /** A transport port change: only a restart applies it, so the reload is refused whole. */
  | { kind: 'port' }
  /** The advert key, rotated on every node at the same moment. */
  | { kind: 'key' };

/** Node faults name a node by index; network faults may name a direction. */
export type Fault =
  | { kind: 'loss'; from?: number; to?: number; rate: number; forMs: number }
  | { kind: 'delay'; from?: number; to?: number; ms: number; jitterMs: number; forMs: number }
  | { kind: 'duplicate'; rate: number; forMs: number }
  | { kind: 'partition'; a: number; b: number; oneWay: boolean; forMs: number }
  | { kind: 'link'; node: number; iface: 'eth0' | 'eth1'; forMs: number }
  /** The host goes down (process, addresses, table) and boots again after forMs. */
  | { kind: 'crash'; node: number; forMs: number }
  /** kill -9 of tandem; started again after forMs (the kernel kept the VIPs meanwhile). */
  | { kind: 'kill'; node: number; forMs: number }
  /** SIGTERM, then started again. */
  | { kind: 'restart'; node: number }
  /** The process is frozen (SIGSTOP, a stalled VM) for forMs. */
  | { kind: 'pause'; node: number; forMs: number }
  | { kind: 'reload'; node: number; edit: Edit }
  | { kind: 'script'; node: number; forMs: number }
  | { kind: 'server'; index: number; forMs: number }
  | { kind: 'step-down'; node: number; instance: number; holdMs: number }
  /** Someone runs ipvsadm -C on the node. */
  | { kind: 'flush-ipvs'; node: number }
  /** Someone deletes one of the VIPs the node holds (`ip addr del`; the index picks which). */
  | { kind: 'vip-delete'; node: number; index: number }
  /** A network manager restarts: the interface's addresses (its own and the VIPs) go, its own come back after forMs. */
  | { kind: 'flush'; node: number; iface: 'eth0' | 'eth1'; forMs: number };

export interface TimedFault {
  /** Simulated milliseconds from the start. */
  at: number;
  fault: Fault;
}

/** One simulated run: the cluster, the faults in time, and the seed of the network's draws. */
export interface Schedule {
  seed: number;
  cluster: ClusterSpec;
  faults: TimedFault[];
}

/** Edits a running tandem must refuse whole (an edit of an instance the file lacks changes nothing). */
export function mustRefuse(edit: Edit, nc: NodeConfig): boolean {
  if (edit.kind === 'port') return true;
  return edit.kind === 'source' && edit.source === 'foreign' && nc.instances[edit.instance % nc.instances.length]?.present === true;
}

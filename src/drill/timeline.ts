import type { StateSpan, TimelineEvent } from './report.js';

/** What the drill reads from a director's status at one moment (a subset of DaemonStatus). */
export interface NodeSample {
  atMs: number;
  node: string;
  instances: {
    name: string;
    state: string;
    priority: number;
    advertIntervalMs: number;
    vips: string[];
    vipsHeld: boolean;
    /** When the director says the instance entered its state (drill ms), if it says. */
    stateSinceMs?: number;
  }[];
  /** Desired real servers per virtual service, as `tandem status` shows them. */
  ipvs: Record<string, string[]> | null;
  servers: Record<string, boolean>;
}

/** Events between two consecutive samples of one node (pure). */
export function eventsBetween(prev: NodeSample | undefined, next: NodeSample): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  const at = next.atMs;
  for (const inst of next.instances) {
    const was = prev?.instances.find((i) => i.name === inst.name);
    if (!prev) continue;
    if (!was && !prev.instances.length) out.push({ atMs: at, node: next.node, kind: 'state', text: `${inst.name} answering again: ${inst.state}` });
    if (was && was.state !== inst.state) {
      // The director's own time of the change, kept between the two samples: a busy director
      // answers late, and the sample's time would make its takeover look slower than it was.
      const changedAt = inst.stateSinceMs === undefined ? at : Math.min(at, Math.max(prev.atMs, inst.stateSinceMs));
      out.push({ atMs: changedAt, node: next.node, kind: 'state', text: `${inst.name} ${was.state} -> ${inst.state}` });
    }
    if (was && was.vipsHeld !== inst.vipsHeld) {
      out.push({ atMs: at, node: next.node, kind: 'state', text: inst.vipsHeld ? `${inst.name} VIPs added, gratuitous ARP: ${inst.vips.join(' ')}` : `${inst.name} VIPs removed` });
    }
    if (was && was.priority !== inst.priority) out.push({ atMs: at, node: next.node, kind: 'state', text: `${inst.name} priority ${was.priority} -> ${inst.priority}` });
  }
  // Against a sample of a director that did not answer, only its return is news.
  if (prev?.instances.length) {
    for (const [service, servers] of Object.entries(next.ipvs ?? {})) {
      const before = prev.ipvs?.[service] ?? [];
      const added = servers.filter((s) => !before.includes(s));
      const removed = before.filter((s) => !servers.includes(s));
      if (added.length || removed.length) out.push({ atMs: at, node: next.node, kind: 'ipvs', text: `${service}: ${[...removed.map((r) => `-${r}`), ...added.map((a) => `+${a}`)].join(' ')}` });
    }
    for (const [server, up] of Object.entries(next.servers)) {
      if (prev.servers[server] !== undefined && prev.servers[server] !== up) out.push({ atMs: at, node: next.node, kind: 'health', text: `${server} ${up ? 'up' : 'down'}` });
    }
  }
  return out;
}

/** Each node's instances as spans of one state, from its samples in time order (pure). */
export function stateSpans(samples: NodeSample[], endMs: number): StateSpan[] {
  const spans: StateSpan[] = [];
  const open = new Map<string, StateSpan>();
  for (const s of samples) {
    // A director not answering: its instances are DOWN until it answers again.
    const states = s.instances.length ? s.instances : [...open.values()].filter((sp) => sp.node === s.node).map((sp) => ({ name: sp.instance, state: 'DOWN' }));
    for (const inst of states) {
      const key = `${s.node} ${inst.name}`;
      const current = open.get(key);
      if (current && current.state === inst.state) continue;
      if (current) current.toMs = s.atMs;
      const span = { node: s.node, instance: inst.name, state: inst.state, fromMs: s.atMs, toMs: endMs };
      spans.push(span);
      open.set(key, span);
    }
  }
  return spans;
}

/** The node that is MASTER of every instance in a sample set taken at one moment, if one is. */
export function masterOf(latest: NodeSample[]): string | null {
  const masters = latest.filter((s) => s.instances.length && s.instances.every((i) => i.state === 'MASTER'));
  return masters.length === 1 ? (masters[0] as NodeSample).node : null;
}

/** Exactly one MASTER per instance across the nodes. */
export function singleOwner(latest: NodeSample[]): boolean {
  const names = new Set(latest.flatMap((s) => s.instances.map((i) => i.name)));
  return [...names].every((name) => latest.filter((s) => s.instances.some((i) => i.name === name && i.state === 'MASTER')).length === 1);
}

export function tablesEqual(latest: NodeSample[]): boolean | null {
  const tables = latest.map((s) => s.ipvs);
  if (tables.every((t) => t === null || Object.keys(t).length === 0)) return null;
  const key = (t: Record<string, string[]> | null) => JSON.stringify(Object.entries(t ?? {}).sort());
  return tables.every((t) => key(t) === key(tables[0] ?? null));
}

/**
 * How long the pair must stay quiet before a drill's end is judged: three advert intervals of
 * the slowest instance (a preemption back or a straggler leaving MASTER takes that), at least
 * `minMs` (pure).
 */
export function quietPeriodMs(latest: NodeSample[], minMs: number): number {
  return Math.max(minMs, 3 * Math.max(0, ...latest.flatMap((s) => s.instances.map((i) => i.advertIntervalMs))));
}

/** When the last state change or action happened, not before `sinceMs` (pure). */
export function lastChangeAt(events: TimelineEvent[], sinceMs: number): number {
  return Math.max(sinceMs, ...events.filter((e) => e.kind === 'state' || e.kind === 'action').map((e) => e.atMs));
}

/**
 * How long after the VIPs move a request can still fail for a reason no director can help: the
 * kernel sends a partly filled IPVS sync message after 2 s at the latest (IPVS_SYNC_FLUSH_TIME),
 * so a connection opened just before a takeover may be unknown to the new master that long.
 */
export const SYNC_FLUSH_MS = 2000;

/**
 * The windows in which the VIPs move (pure): from each drill action to the last state change
 * after it (before the next action), plus `graceMs`.
 */
export function takeoverWindows(events: TimelineEvent[], graceMs: number): [number, number][] {
  const actions = events.filter((e) => e.kind === 'action').map((e) => e.atMs).sort((a, b) => a - b);
  return actions.map((start, i) => {
    const next = actions[i + 1] ?? Infinity;
    const changes = events.filter((e) => e.kind === 'state' && e.atMs >= start && e.atMs < next).map((e) => e.atMs);
    return [start, Math.max(start, ...changes) + graceMs];
  });
}

/** The failed requests (sent and failed at, drill ms) whose time in flight touched no window (pure). */
export function failedOutside(failures: { sentMs: number; failedMs: number }[], windows: [number, number][]): number {
  return failures.filter((f) => !windows.some(([from, to]) => f.sentMs <= to && f.failedMs >= from)).length;
}

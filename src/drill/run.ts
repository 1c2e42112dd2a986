import { controlRequest } from '../daemon/control.js';
import type { DaemonStatus } from '../daemon/daemon.js';
import { ConnectionProbe, HttpProbe, PingProbe, longestGap, replyGaps } from './probe.js';
import type { DrillReport, Thresholds, TimelineEvent } from './report.js';
import { judge } from './report.js';
import type { NodeSample } from './timeline.js';
import { SYNC_FLUSH_MS, eventsBetween, failedOutside, lastChangeAt, masterOf, quietPeriodMs, singleOwner, stateSpans, tablesEqual, takeoverWindows } from './timeline.js';

export interface DrillNode {
  name: string;
  /** The director's control socket (a unix socket: an ssh -L forward reaches a remote one). */
  socket: string;
}

export interface DrillContext {
  master: DrillNode;
  others: DrillNode[];
  /** Adds an event of the drill's own to the timeline. */
  note: (text: string) => void;
  latest: () => NodeSample[];
}

export interface DrillSpec {
  name: string;
  /** What the drill does to the pair. */
  act: (ctx: DrillContext) => Promise<void>;
  /** The drill is over when this holds (checked on every sample), or at the timeout. */
  settled: (ctx: DrillContext, before: NodeSample[]) => boolean;
  /** Run after `settled`, to put things back (a restarted daemon, a healed link); timed too. */
  restore?: (ctx: DrillContext) => Promise<void>;
  restored?: (ctx: DrillContext, before: NodeSample[]) => boolean;
}

export interface RunOptions {
  nodes: DrillNode[];
  vip: string;
  http?: string;
  /** Also hold one keep-alive connection to `http` through the drill. */
  connection?: boolean;
  requestEveryMs: number;
  /** How often both directors' status is read. */
  sampleEveryMs: number;
  /** The client pings the VIP this often. */
  pingEveryMs: number;
  /** A request not answered within this long failed (a client's patience). */
  requestTimeoutMs: number;
  thresholds: Thresholds;
  timeoutMs: number;
  progress: (line: string) => void;
}

/** How often a wait re-checks the latest samples. */
const POLL_MS = 20;
const CALM_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A status read at `atMs` of a drill that started at `started` (epoch ms). */
function sample(status: DaemonStatus, node: string, atMs: number, started: number): NodeSample {
  return {
    atMs,
    node,
    instances: status.instances.map((i) => ({
      name: i.name,
      state: i.state,
      priority: i.priority,
      advertIntervalMs: i.advertIntervalMs,
      vips: i.vips,
      vipsHeld: i.vipsHeld,
      ...(i.stateSince === null || i.stateSince === undefined ? {} : { stateSinceMs: i.stateSince - started }),
    })),
    ipvs: status.ipvs ? Object.fromEntries(status.ipvs.services.map((s) => [s.service, s.desired])) : null,
    servers: Object.fromEntries(status.services.flatMap((svc) => svc.servers.map((r) => [`${svc.service} ${r.server}`, r.healthy]))),
  };
}

/**
 * Runs a drill against a pair: samples both directors' status (every 20 ms) through their control
 * sockets while the client probes the VIP, acts, waits for the pair to settle (and to be
 * restored), then builds the report. Every wait is bounded by `timeoutMs`.
 */
export async function runDrill(spec: DrillSpec, o: RunOptions): Promise<DrillReport> {
  const started = Date.now();
  const at = () => Date.now() - started;
  const events: TimelineEvent[] = [];
  const samples: NodeSample[] = [];
  const latest = new Map<string, NodeSample>();
  const read = async (node: DrillNode) => {
    const s = sample((await controlRequest(node.socket, { command: 'status' }, 10_000)) as DaemonStatus, node.name, at(), started);
    events.push(...eventsBetween(latest.get(node.name), s));
    latest.set(node.name, s);
    samples.push(s);
  };
  // A director that does not answer (killed, restarting) counts as holding nothing.
  const unreachable = (node: DrillNode) => {
    const was = latest.get(node.name);
    if (was && !was.instances.length) return;
    if (was) events.push({ atMs: at(), node: node.name, kind: 'state', text: 'not answering on its control socket' });
    const s: NodeSample = { atMs: at(), node: node.name, instances: [], ipvs: null, servers: {} };
    latest.set(node.name, s);
    samples.push(s);
  };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await Promise.all(o.nodes.map((n) => read(n).catch(() => unreachable(n))));
      await sleep(o.sampleEveryMs);
    }
  })();
  const ping = PingProbe.start(o.vip, o.timeoutMs / 1000 + 10, o.pingEveryMs);
  const http = o.http ? new HttpProbe(o.http, o.requestEveryMs, o.requestTimeoutMs) : undefined;
  http?.start();
  const connection = o.http && o.connection ? new ConnectionProbe(o.http, 100) : undefined;
  connection?.start();
  // Stops the sampler and every probe, once: at the end of a run, or when it fails.
  let stopping: Promise<Awaited<ReturnType<PingProbe['stop']>>> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      sampling = false;
      await sampler;
      await http?.stop();
      connection?.stop();
      return ping.stop();
    })());
  const now = () => [...latest.values()];
  const note = (text: string) => events.push({ atMs: at(), node: 'drill', kind: 'action', text });
  try {
    await waitUntil(() => o.nodes.every((n) => latest.get(n.name)?.instances.length), o.timeoutMs, 'every director to answer on its control socket');
    const before = now();
    const masterName = masterOf(before);
    const master = o.nodes.find((n) => n.name === masterName);
    if (!master) throw new Error(`no single master before the drill (${before.map((s) => `${s.node}: ${s.instances.map((i) => i.state).join(',')}`).join('; ')})`);
    const ctx: DrillContext = { master, others: o.nodes.filter((n) => n !== master), note, latest: now };
    const tablesBefore = tablesEqual(before);
    await sleep(CALM_MS);
    o.progress(`${spec.name}: master is ${master.name}; acting`);
    const actedAt = at();
    await spec.act(ctx);
    await waitUntil(() => spec.settled(ctx, before), o.timeoutMs, `the pair to settle after ${spec.name}`);
    const masterChange = events.find((e) => e.atMs >= actedAt && e.kind === 'state' && /-> MASTER$/.test(e.text) && e.node !== master.name);
    o.progress(`${spec.name}: settled${masterChange ? `; new master ${masterChange.node} after ${masterChange.atMs - actedAt} ms` : ''}`);
    if (spec.restore) {
      await sleep(CALM_MS);
      o.progress(`${spec.name}: restoring`);
      await spec.restore(ctx);
      await waitUntil(() => (spec.restored ? spec.restored(ctx, before) : true), o.timeoutMs, `the pair to be restored after ${spec.name}`);
    }
    // The end is judged once the pair has been quiet for a while: a healed master preempting
    // back (or a straggler leaving MASTER) belongs to the drill, not to the time after it.
    const quietMs = quietPeriodMs(now(), CALM_MS);
    const done = spec.restored ?? spec.settled;
    await waitUntil(() => done(ctx, before) && at() - lastChangeAt(events, actedAt) >= quietMs, o.timeoutMs, `the pair to stay quiet for ${quietMs} ms after ${spec.name}`);
    // The end is the pair as it stood when the wait ended, not after the probes have drained.
    const end = now();
    const pings = await stopAll();
    const gaps = replyGaps(pings.replies, 50);
    for (const [t, gap] of gaps) events.push({ atMs: t - started, node: 'client', kind: 'probe', text: `no reply to pings for ${gap} ms` });
    for (const f of http?.failures ?? []) events.push({ atMs: f.at - started, node: 'client', kind: 'probe', text: `request failed: ${f.why}` });
    for (const f of connection?.failures ?? []) events.push({ atMs: f.at - started, node: 'client', kind: 'probe', text: `long-lived connection: ${f.why}` });
    events.sort((a, b) => a.atMs - b.atMs);
    const durationMs = at();
    const base = {
      drill: spec.name,
      startedAt: new Date(started).toISOString(),
      durationMs,
      nodes: o.nodes.map((n) => n.name),
      masterBefore: master.name,
      masterAfter: masterOf(end),
      timeToNewMasterMs: masterChange ? masterChange.atMs - actedAt : null,
      vipDowntimeMs: longestGap(pings.replies),
      pingsSent: pings.sent,
      pingsLost: pings.lost,
      requestsSent: http?.sent ?? 0,
      requestsFailed: http?.failed ?? 0,
      requestsFailedOutsideTakeover: failedOutside(
        (http?.failures ?? []).map((f) => ({ sentMs: f.sentAt - started, failedMs: f.at - started })),
        takeoverWindows(events, SYNC_FLUSH_MS),
      ),
      connectionSurvived: connection ? connection.survived() : null,
      ipvsTablesEqualBefore: tablesBefore,
      ipvsTablesEqualAfter: tablesEqual(end),
      singleOwnerAtEnd: singleOwner(end),
      events,
      spans: stateSpans(samples, durationMs),
    };
    return { ...base, ...judge(base, o.thresholds) };
  } finally {
    await stopAll().catch(() => undefined);
  }
}

async function waitUntil(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

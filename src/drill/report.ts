/*
 * A drill's report as data (pure): what happened when, how long the VIP was away, how many of
 * the client's requests failed, and the verdict against the operator's thresholds.
 */

export interface TimelineEvent {
  /** Milliseconds since the drill started. */
  atMs: number;
  /** The director it happened on, or `client` / `drill`. */
  node: string;
  kind: 'action' | 'state' | 'ipvs' | 'health' | 'probe';
  text: string;
}

/** One state a node's instance was in, from `fromMs` to `toMs`. */
export interface StateSpan {
  node: string;
  instance: string;
  state: string;
  fromMs: number;
  toMs: number;
}

export interface Check {
  name: string;
  value: number | boolean | null;
  limit: string;
  pass: boolean;
}

export interface DrillReport {
  drill: string;
  startedAt: string;
  durationMs: number;
  nodes: string[];
  masterBefore: string | null;
  masterAfter: string | null;
  /** From the drill's action to a new master, ms; null when the master did not change. */
  timeToNewMasterMs: number | null;
  /** The longest time between two replies to the client's pings (sent every 10 ms), ms. */
  vipDowntimeMs: number;
  pingsSent: number;
  pingsLost: number;
  requestsSent: number;
  requestsFailed: number;
  /**
   * Of those, the ones whose time in flight touched no takeover (a drill action to the pair's
   * last change after it, plus the kernel's 2 s sync flush): failures tandem owes an answer for.
   */
  requestsFailedOutsideTakeover: number;
  /** With --connection: whether one long-lived connection through the VIP survived; else null. */
  connectionSurvived: boolean | null;
  /** Whether the directors' IPVS tables (desired) were equal; null without virtual services. */
  ipvsTablesEqualBefore: boolean | null;
  ipvsTablesEqualAfter: boolean | null;
  /** At the end, exactly one director was MASTER of each instance. */
  singleOwnerAtEnd: boolean;
  events: TimelineEvent[];
  spans: StateSpan[];
  checks: Check[];
  pass: boolean;
}

export interface Thresholds {
  maxDowntimeMs?: number;
  maxFailedRequests?: number;
  maxFailedPercent?: number;
  maxTimeToMasterMs?: number;
  maxFailedOutsideTakeover?: number;
}

/** The verdict: each threshold given, plus the invariants every drill must keep. */
export function judge(r: Omit<DrillReport, 'checks' | 'pass'>, t: Thresholds): Pick<DrillReport, 'checks' | 'pass'> {
  const checks: Check[] = [];
  if (t.maxDowntimeMs !== undefined) checks.push({ name: 'VIP downtime (ms)', value: r.vipDowntimeMs, limit: `<= ${t.maxDowntimeMs}`, pass: r.vipDowntimeMs <= t.maxDowntimeMs });
  if (t.maxFailedRequests !== undefined) checks.push({ name: 'requests failed', value: r.requestsFailed, limit: `<= ${t.maxFailedRequests}`, pass: r.requestsFailed <= t.maxFailedRequests });
  if (t.maxFailedPercent !== undefined) {
    const pct = r.requestsSent ? Math.round((r.requestsFailed / r.requestsSent) * 10000) / 100 : 0;
    checks.push({ name: 'requests failed (%)', value: pct, limit: `<= ${t.maxFailedPercent}`, pass: r.requestsSent > 0 && pct <= t.maxFailedPercent });
  }
  if (t.maxFailedOutsideTakeover !== undefined) {
    const v = r.requestsFailedOutsideTakeover;
    checks.push({ name: 'requests failed outside a takeover', value: v, limit: `<= ${t.maxFailedOutsideTakeover}`, pass: r.requestsSent > 0 && v <= t.maxFailedOutsideTakeover });
  }
  if (t.maxTimeToMasterMs !== undefined) {
    const v = r.timeToNewMasterMs;
    checks.push({ name: 'time to new master (ms)', value: v, limit: `<= ${t.maxTimeToMasterMs}`, pass: v !== null && v <= t.maxTimeToMasterMs });
  }
  checks.push({ name: 'one master at the end', value: r.singleOwnerAtEnd, limit: 'true', pass: r.singleOwnerAtEnd });
  if (r.connectionSurvived !== null) checks.push({ name: 'long-lived connection kept', value: r.connectionSurvived, limit: 'true', pass: r.connectionSurvived });
  if (r.ipvsTablesEqualAfter !== null) checks.push({ name: 'IPVS tables equal after', value: r.ipvsTablesEqualAfter, limit: 'true', pass: r.ipvsTablesEqualAfter });
  return { checks, pass: checks.every((c) => c.pass) };
}

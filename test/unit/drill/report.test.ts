import { describe, expect, it } from 'vitest';
import { formatReport } from '../../../src/drill/format.js';
import { replyGaps } from '../../../src/drill/probe.js';
import type { DrillReport } from '../../../src/drill/report.js';
import { judge } from '../../../src/drill/report.js';
import { drillSvg } from '../../../src/drill/svg.js';
import type { NodeSample } from '../../../src/drill/timeline.js';
import { eventsBetween, failedOutside, lastChangeAt, masterOf, quietPeriodMs, singleOwner, stateSpans, tablesEqual, takeoverWindows } from '../../../src/drill/timeline.js';

const node = (name: string, atMs: number, state: string, desired = ['10.0.0.1:80 w1']): NodeSample => ({
  atMs,
  node: name,
  instances: [{ name: 'VI_1', state, priority: 150, advertIntervalMs: 100, vips: ['192.0.2.100/24'], vipsHeld: state === 'MASTER' }],
  ipvs: { 'web': desired },
  servers: { 'web 10.0.0.1:80': true },
});

describe('drill timeline', () => {
  it('waits for three advert intervals of quiet after the last state change or action', () => {
    const slow = { ...node('dir1', 0, 'MASTER'), instances: [{ ...node('dir1', 0, 'MASTER').instances[0]!, advertIntervalMs: 1000 }] };
    expect(quietPeriodMs([node('dir1', 0, 'MASTER'), node('dir2', 0, 'BACKUP')], 1000)).toBe(1000);
    expect(quietPeriodMs([slow, node('dir2', 0, 'BACKUP')], 1000)).toBe(3000);
    const events = [
      { atMs: 100, node: 'drill', kind: 'action' as const, text: 'cut' },
      { atMs: 900, node: 'dir2', kind: 'state' as const, text: 'VI_1 BACKUP -> MASTER' },
      { atMs: 2500, node: 'client', kind: 'probe' as const, text: 'request failed' },
      { atMs: 2600, node: 'drill', kind: 'action' as const, text: 'heal' },
    ];
    expect(lastChangeAt(events, 0)).toBe(2600);
    expect(lastChangeAt(events.slice(0, 3), 0)).toBe(900);
    expect(lastChangeAt([], 50)).toBe(50);
  });

  it('turns consecutive samples into events', () => {
    expect(eventsBetween(node('dir1', 0, 'MASTER'), node('dir1', 40, 'BACKUP', ['10.0.0.1:80 w0']))).toEqual([
      { atMs: 40, node: 'dir1', kind: 'state', text: 'VI_1 MASTER -> BACKUP' },
      { atMs: 40, node: 'dir1', kind: 'state', text: 'VI_1 VIPs removed' },
      { atMs: 40, node: 'dir1', kind: 'ipvs', text: 'web: -10.0.0.1:80 w1 +10.0.0.1:80 w0' },
    ]);
    expect(eventsBetween(undefined, node('dir1', 0, 'MASTER'))).toEqual([]);
  });

  it('times a state change by the director\'s own clock, kept between the two samples', () => {
    const since = (n: NodeSample, ms: number): NodeSample => ({ ...n, instances: n.instances.map((i) => ({ ...i, stateSinceMs: ms })) });
    const changeAt = (prev: NodeSample, next: NodeSample) => eventsBetween(prev, next).find((e) => e.text.includes('->'))?.atMs;
    // A busy director answered at 900 ms; it says it became master at 130 ms.
    expect(changeAt(node('dir2', 100, 'BACKUP'), since(node('dir2', 900, 'MASTER'), 130))).toBe(130);
    // A time outside the interval between the samples is not believed past its ends.
    expect(changeAt(node('dir2', 100, 'BACKUP'), since(node('dir2', 900, 'MASTER'), 20))).toBe(100);
    expect(changeAt(node('dir2', 100, 'BACKUP'), since(node('dir2', 900, 'MASTER'), 5000))).toBe(900);
    // A director that does not say: the sample's own time.
    expect(changeAt(node('dir2', 100, 'BACKUP'), node('dir2', 900, 'MASTER'))).toBe(900);
  });

  it('counts the failed requests that touched no takeover window', () => {
    const events = [
      { atMs: 1000, node: 'drill', kind: 'action' as const, text: 'cut' },
      { atMs: 1700, node: 'dir2', kind: 'state' as const, text: 'VI_1 BACKUP -> MASTER' },
      { atMs: 2500, node: 'dir2', kind: 'state' as const, text: 'VI_1 VIPs added, gratuitous ARP: 192.0.2.100/24' },
      { atMs: 2600, node: 'client', kind: 'probe' as const, text: 'request failed' },
      { atMs: 5000, node: 'drill', kind: 'action' as const, text: 'heal' },
    ];
    // The cut's window ends 2 s after its last change; the heal changed nothing: 2 s from it.
    expect(takeoverWindows(events, 2000)).toEqual([[1000, 4500], [5000, 7000]]);
    const windows = takeoverWindows(events, 2000);
    const failures = [
      { sentMs: 900, failedMs: 1100 }, // in flight when the link was cut
      { sentMs: 4400, failedMs: 4420 }, // sent in the window's last instant
      { sentMs: 4600, failedMs: 4700 }, // between the windows: tandem's to answer for
      { sentMs: 8000, failedMs: 8050 }, // after them
    ];
    expect(failedOutside(failures, windows)).toBe(2);
    expect(failedOutside([], windows)).toBe(0);
  });

  it('finds spans, the master, a single owner and equal tables', () => {
    const samples = [node('dir1', 0, 'MASTER'), node('dir2', 0, 'BACKUP'), node('dir1', 100, 'BACKUP'), node('dir2', 120, 'MASTER')];
    expect(stateSpans(samples, 200)).toEqual([
      { node: 'dir1', instance: 'VI_1', state: 'MASTER', fromMs: 0, toMs: 100 },
      { node: 'dir2', instance: 'VI_1', state: 'BACKUP', fromMs: 0, toMs: 120 },
      { node: 'dir1', instance: 'VI_1', state: 'BACKUP', fromMs: 100, toMs: 200 },
      { node: 'dir2', instance: 'VI_1', state: 'MASTER', fromMs: 120, toMs: 200 },
    ]);
    expect(masterOf([node('dir1', 0, 'BACKUP'), node('dir2', 0, 'MASTER')])).toBe('dir2');
    expect(masterOf([node('dir1', 0, 'MASTER'), node('dir2', 0, 'MASTER')])).toBeNull();
    expect(singleOwner([node('dir1', 0, 'MASTER'), node('dir2', 0, 'MASTER')])).toBe(false);
    expect(singleOwner([node('dir1', 0, 'BACKUP'), node('dir2', 0, 'MASTER')])).toBe(true);
    expect(tablesEqual([node('dir1', 0, 'BACKUP'), node('dir2', 0, 'MASTER', ['10.0.0.1:80 w2'])])).toBe(false);
    expect(replyGaps([0, 10, 20, 150, 160], 50)).toEqual([[150, 130]]);
  });
});

describe('drill report', () => {
  const base: Omit<DrillReport, 'checks' | 'pass'> = {
    drill: 'handover',
    startedAt: '2026-11-22T07:00:00.000Z',
    durationMs: 3000,
    nodes: ['dir1', 'dir2'],
    masterBefore: 'dir1',
    masterAfter: 'dir2',
    timeToNewMasterMs: 35,
    vipDowntimeMs: 22,
    pingsSent: 290,
    pingsLost: 0,
    requestsSent: 150,
    requestsFailed: 1,
    requestsFailedOutsideTakeover: 0,
    connectionSurvived: null,
    ipvsTablesEqualBefore: true,
    ipvsTablesEqualAfter: true,
    singleOwnerAtEnd: true,
    events: [
      { atMs: 1000, node: 'drill', kind: 'action', text: 'step-down sent to dir1' },
      { atMs: 1035, node: 'dir2', kind: 'state', text: 'VI_1 BACKUP -> MASTER' },
      { atMs: 1040, node: 'client', kind: 'probe', text: 'no reply to pings for 22 ms' },
    ],
    spans: [
      { node: 'dir1', instance: 'VI_1', state: 'MASTER', fromMs: 0, toMs: 1040 },
      { node: 'dir2', instance: 'VI_1', state: 'MASTER', fromMs: 1035, toMs: 3000 },
    ],
  };

  it('judges the failures outside a takeover', () => {
    expect(judge(base, { maxFailedOutsideTakeover: 0 }).checks[0]).toEqual({ name: 'requests failed outside a takeover', value: 0, limit: '<= 0', pass: true });
    expect(judge({ ...base, requestsFailedOutsideTakeover: 1 }, { maxFailedOutsideTakeover: 0 }).pass).toBe(false);
  });

  it('judges the thresholds given and the invariants', () => {
    const v = judge(base, { maxDowntimeMs: 50, maxFailedRequests: 0 });
    expect(v.pass).toBe(false);
    expect(v.checks).toEqual([
      { name: 'VIP downtime (ms)', value: 22, limit: '<= 50', pass: true },
      { name: 'requests failed', value: 1, limit: '<= 0', pass: false },
      { name: 'one master at the end', value: true, limit: 'true', pass: true },
      { name: 'IPVS tables equal after', value: true, limit: 'true', pass: true },
    ]);
  });

  it('prints a table and draws an SVG timeline', () => {
    const report = { ...base, ...judge(base, { maxDowntimeMs: 50 }) };
    const text = formatReport(report);
    expect(text).toMatch(/^drill +handover$/m);
    expect(text).toMatch(/^VIP downtime \(longest ping gap\) +22 ms \(0 of 290 pings lost\)$/m);
    expect(text).toMatch(/^verdict +PASS$/m);
    expect(text).toMatch(/ +1\.035 s +dir2 +VI_1 BACKUP -> MASTER$/m);
    const svg = drillSvg(report);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain('tandem drill handover: PASS; VIP downtime 22 ms; requests failed 1 of 150');
    expect(svg.match(/<rect /g)?.length).toBe(4); // two state spans, the client lane, one gap
    expect(svg).toContain('2. 1.035 s dir2: VI_1 BACKUP -&gt; MASTER');
  });
});

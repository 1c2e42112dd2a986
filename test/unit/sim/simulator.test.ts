import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { schedule as scheduleArb } from '../../../src/sim/arbitrary.js';
import type { ClusterSpec } from '../../../src/sim/cluster.js';
import { simulate } from '../../../src/sim/run.js';
import type { Schedule } from '../../../src/sim/schedule.js';
import { regressions } from './regressions.js';

const pair: ClusterSpec = {
  nodes: 2,
  instances: [{ vrid: 51, priorities: [200, 100], preempt: [true, true], preemptDelay: 0, advertInterval: 0.1, unicast: false, vipCount: 1 }],
  syncGroup: false,
  scriptWeight: null,
  trackEth1Weight: null,
  service: null,
};

/** The master's instance moved to eth1 by a reload (issue 10's dual master). */
const moveMaster: Schedule = { seed: 1, cluster: pair, faults: [{ at: 5000, fault: { kind: 'reload', node: 0, edit: { kind: 'move', instance: 0, iface: 'eth1' } } }] };

describe('the simulator', () => {
  it('is deterministic: one schedule, one outcome', async () => {
    const s = fc.sample(scheduleArb, { numRuns: 1, seed: 42 })[0] as Schedule;
    const [a, b] = [await simulate(s), await simulate(s)];
    expect(a).toEqual(b);
    expect(a.events).toBeGreaterThan(100);
  });

  it('finds the interface-move defect when it is brought back, and not in the product', async () => {
    const broken = await simulate(moveMaster, { defect: 'senders-at-start-only' });
    expect(broken.violations.map((v) => v.invariant)).toContain('dual-vip-bound');
    const fixed = await simulate(moveMaster);
    expect(fixed.violations).toEqual([]);
    expect(fixed.reloads).toEqual({ ok: 1, refused: 0 });
  });

  it('finds that defect from random schedules and shrinks it to a move or source edit', { timeout: 300_000 }, async () => {
    const found = await fc.check(
      fc.asyncProperty(scheduleArb, async (s) => (await simulate(s, { defect: 'senders-at-start-only' })).violations.length === 0),
      { numRuns: 400, seed: 7 },
    );
    expect(found.failed).toBe(true);
    const [shrunk] = found.counterexample as [Schedule];
    const edits = shrunk.faults.flatMap(({ fault }) => (fault.kind === 'reload' ? [fault.edit.kind] : []));
    expect(edits.some((k) => k === 'move' || k === 'source')).toBe(true);
    expect(shrunk.faults.length).toBeLessThanOrEqual(2);
  });

  it('refuses a move to an address the host does not have, whole', async () => {
    const r = await simulate({ seed: 1, cluster: pair, faults: [{ at: 5000, fault: { kind: 'reload', node: 0, edit: { kind: 'source', instance: 0, source: 'foreign' } } }] });
    expect(r.violations).toEqual([]);
    expect(r.reloads).toEqual({ ok: 0, refused: 1 });
  });

  it.each(regressions)('regression: $found', async ({ schedule }) => {
    expect((await simulate(schedule)).violations).toEqual([]);
  });
});

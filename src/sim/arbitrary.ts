import fc from 'fast-check';
import type { ClusterSpec, InstanceSpec } from './cluster.js';
import type { Edit, Fault, Schedule, TimedFault } from './schedule.js';

/*
 * Random schedules for fast-check: a cluster and a list of faults in time. fast-check shrinks a
 * failing one (fewer faults, smaller numbers) and prints it; it replays with simulate().
 */

const node = fc.integer({ min: 0, max: 2 });
const forMs = fc.integer({ min: 50, max: 6_000 });
const interval = fc.constantFrom(0.1, 0.2, 0.5, 1);

function instanceSpec(vrid: number, nodes: number): fc.Arbitrary<InstanceSpec> {
  return fc.record({
    vrid: fc.constant(vrid),
    priorities: fc.array(fc.integer({ min: 1, max: 254 }), { minLength: nodes, maxLength: nodes }),
    preempt: fc.array(fc.constantFrom(true, true, true, false), { minLength: nodes, maxLength: nodes }),
    preemptDelay: fc.constantFrom(0, 0, 0, 1),
    advertInterval: interval,
    unicast: fc.boolean(),
    vipCount: fc.integer({ min: 1, max: 3 }),
  });
}

export const clusterSpec: fc.Arbitrary<ClusterSpec> = fc.integer({ min: 2, max: 3 }).chain((nodes) =>
  fc.record({
    nodes: fc.constant(nodes),
    instances: fc.oneof(
      fc.tuple(instanceSpec(51, nodes)),
      fc.tuple(instanceSpec(51, nodes), instanceSpec(52, nodes)),
    ),
    syncGroup: fc.boolean(),
    scriptWeight: fc.constantFrom(null, 0, -60, 30),
    trackEth1Weight: fc.constantFrom(null, 0, -60),
    service: fc.option(fc.record({ trackWeight: fc.constantFrom(null, 0, -60) }), { nil: null }),
  }).map((spec) => {
    // A sync group's members rank the nodes alike, or the group could not agree on a master.
    if (spec.syncGroup && spec.instances.length === 2) {
      const [a, b] = spec.instances as [InstanceSpec, InstanceSpec];
      spec.instances = [a, { ...b, priorities: [...a.priorities], preempt: [...a.preempt], preemptDelay: a.preemptDelay }];
    }
    return spec;
  }),
);

const instance = fc.integer({ min: 0, max: 1 });

export const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('priority' as const), instance, priority: fc.integer({ min: 1, max: 254 }) }),
  fc.record({ kind: fc.constant('vips' as const), instance, count: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('interval' as const), instance, seconds: interval }),
  fc.record({ kind: fc.constant('move' as const), instance, iface: fc.constantFrom('eth0' as const, 'eth1' as const) }),
  fc.record({ kind: fc.constant('source' as const), instance, source: fc.constantFrom('auto' as const, 'secondary' as const, 'foreign' as const) }),
  fc.record({ kind: fc.constant('instance' as const), instance: fc.constant(1), present: fc.boolean() }),
  fc.constant({ kind: 'port' as const }),
  fc.constant({ kind: 'key' as const }),
);

const rate = fc.double({ min: 0.05, max: 1, noNaN: true });
const direction = fc.option(node, { nil: undefined });

export const fault: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({ kind: fc.constant('loss' as const), from: direction, to: direction, rate, forMs }),
  fc.record({ kind: fc.constant('delay' as const), from: direction, to: direction, ms: fc.integer({ min: 1, max: 300 }), jitterMs: fc.integer({ min: 0, max: 300 }), forMs }),
  fc.record({ kind: fc.constant('duplicate' as const), rate, forMs }),
  fc.record({ kind: fc.constant('partition' as const), a: node, b: node, oneWay: fc.boolean(), forMs }),
  fc.record({ kind: fc.constant('link' as const), node, iface: fc.constantFrom('eth0' as const, 'eth1' as const), forMs }),
  fc.record({ kind: fc.constant('crash' as const), node, forMs }),
  fc.record({ kind: fc.constant('kill' as const), node, forMs }),
  fc.record({ kind: fc.constant('restart' as const), node }),
  fc.record({ kind: fc.constant('pause' as const), node, forMs: fc.integer({ min: 50, max: 5000 }) }),
  fc.record({ kind: fc.constant('reload' as const), node, edit }),
  fc.record({ kind: fc.constant('script' as const), node, forMs }),
  fc.record({ kind: fc.constant('server' as const), index: fc.integer({ min: 0, max: 1 }), forMs }),
  fc.record({ kind: fc.constant('step-down' as const), node, instance, holdMs: fc.constantFrom(0, 2000, 5000) }),
  fc.record({ kind: fc.constant('flush-ipvs' as const), node }),
  fc.record({ kind: fc.constant('vip-delete' as const), node, index: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ kind: fc.constant('flush' as const), node, iface: fc.constantFrom('eth0' as const, 'eth1' as const), forMs }),
);

const timedFault: fc.Arbitrary<TimedFault> = fc.record({ at: fc.integer({ min: 0, max: 25_000 }), fault });

export const schedule: fc.Arbitrary<Schedule> = fc.record({
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
  cluster: clusterSpec,
  faults: fc.array(timedFault, { maxLength: 8 }).map((faults) => faults.sort((a, b) => a.at - b.at)),
});

import type { Schedule } from '../../../src/sim/schedule.js';

/**
 * Schedules the simulator once failed, shrunk by fast-check: each stays as a regression test.
 * Add a new one with the counterexample fast-check printed (and a line on what it found).
 */
export const regressions: { found: string; schedule: Schedule }[] = [
  {
    found: 'a sync group whose member is removed on one node flapped forever: the other member pulled the group back and forth',
    schedule: {
      seed: 0,
      cluster: {
        nodes: 2,
        instances: [
          { vrid: 51, priorities: [150, 1], preempt: [true, true], preemptDelay: 0, advertInterval: 0.1, unicast: false, vipCount: 1 },
          { vrid: 52, priorities: [150, 1], preempt: [true, true], preemptDelay: 0, advertInterval: 0.1, unicast: false, vipCount: 1 },
        ],
        syncGroup: true,
        scriptWeight: null,
        trackEth1Weight: null,
        service: null,
      },
      faults: [{ at: 11333, fault: { kind: 'reload', node: 0, edit: { kind: 'instance', instance: 1, present: false } } }],
    },
  },
  {
    found: 'a rotated key (same config text, new key) was used to check adverts but not to sign them: both nodes became master',
    schedule: {
      seed: 0,
      cluster: {
        nodes: 2,
        instances: [{ vrid: 51, priorities: [1, 1], preempt: [true, true], preemptDelay: 0, advertInterval: 0.1, unicast: false, vipCount: 1 }],
        syncGroup: false,
        scriptWeight: null,
        trackEth1Weight: null,
        service: null,
      },
      faults: [{ at: 33281, fault: { kind: 'reload', node: 0, edit: { kind: 'key' } } }],
    },
  },
  {
    found: 'an instance restarted by a reload began its advert sequence at 1 again: the peer refused its adverts as replays',
    schedule: {
      seed: 0,
      cluster: {
        nodes: 2,
        instances: [{ vrid: 51, priorities: [200, 100], preempt: [true, true], preemptDelay: 0, advertInterval: 0.2, unicast: false, vipCount: 1 }],
        syncGroup: false,
        scriptWeight: null,
        trackEth1Weight: null,
        service: null,
      },
      faults: [
        { at: 3008, fault: { kind: 'reload', node: 0, edit: { kind: 'interval', instance: 0, seconds: 0.1 } } },
        { at: 3008, fault: { kind: 'reload', node: 1, edit: { kind: 'interval', instance: 0, seconds: 0.1 } } },
      ],
    },
  },
  {
    found: 'a sync group held its takeover for a member whose master had restarted and now spoke as a backup: no master at all',
    schedule: {
      seed: 82167329,
      cluster: {
        nodes: 3,
        instances: [
          { vrid: 51, priorities: [183, 20, 38], preempt: [false, true, true], preemptDelay: 0, advertInterval: 1, unicast: false, vipCount: 3 },
          { vrid: 52, priorities: [183, 20, 38], preempt: [false, true, true], preemptDelay: 0, advertInterval: 0.1, unicast: false, vipCount: 2 },
        ],
        syncGroup: true,
        scriptWeight: null,
        trackEth1Weight: 0,
        service: { trackWeight: null },
      },
      faults: [
        { at: 27751, fault: { kind: 'link', node: 0, iface: 'eth1', forMs: 5916 } },
        { at: 38597, fault: { kind: 'crash', node: 2, forMs: 1927 } },
      ],
    },
  },
  {
    found: 'after kill -9, a config that moved the instance to eth1 left the old VIPs on eth0 for good: the start cleaned only the new interface',
    schedule: {
      seed: 1390366956,
      cluster: {
        nodes: 3,
        instances: [{ vrid: 51, priorities: [1, 140, 254], preempt: [true, true, true], preemptDelay: 0, advertInterval: 0.5, unicast: false, vipCount: 2 }],
        syncGroup: false,
        scriptWeight: 30,
        trackEth1Weight: null,
        service: { trackWeight: -60 },
      },
      faults: [
        { at: 5310, fault: { kind: 'kill', node: 2, forMs: 2026 } },
        { at: 6426, fault: { kind: 'reload', node: 2, edit: { kind: 'move', instance: 0, iface: 'eth1' } } },
      ],
    },
  },
  {
    found: 'SIGTERM during a reload that restarts an instance: the stop did not wait for the reload, and the stopped daemon still held the VIP',
    schedule: {
      seed: 640677635,
      cluster: {
        nodes: 3,
        instances: [{ vrid: 51, priorities: [1, 247, 252], preempt: [false, true, true], preemptDelay: 0, advertInterval: 0.5, unicast: false, vipCount: 1 }],
        syncGroup: true,
        scriptWeight: -60,
        trackEth1Weight: -60,
        service: { trackWeight: -60 },
      },
      faults: [
        { at: 22727, fault: { kind: 'partition', a: 1, b: 2, oneWay: false, forMs: 4912 } },
        { at: 24268, fault: { kind: 'reload', node: 1, edit: { kind: 'interval', instance: 1, seconds: 1 } } },
        { at: 24986, fault: { kind: 'restart', node: 1 } },
      ],
    },
  },
  {
    found: 'an edit made while a reload was restarting an instance was answered with that older reload, and then reloaded with the older file',
    schedule: {
      seed: 0,
      cluster: {
        nodes: 2,
        instances: [{ vrid: 51, priorities: [1, 1], preempt: [true, true], preemptDelay: 0, advertInterval: 0.5, unicast: false, vipCount: 1 }],
        syncGroup: false,
        scriptWeight: null,
        trackEth1Weight: null,
        service: null,
      },
      faults: [
        { at: 7689, fault: { kind: 'crash', node: 1, forMs: 4715 } },
        { at: 11122, fault: { kind: 'reload', node: 0, edit: { kind: 'interval', instance: 1, seconds: 0.1 } } },
        { at: 11705, fault: { kind: 'reload', node: 2, edit: { kind: 'vips', instance: 0, count: 2 } } },
      ],
    },
  },
  {
    found: 'a VIP deleted on the master (ip addr del) was never put back, while its status still listed it',
    schedule: {
      seed: 0,
      cluster: {
        nodes: 2,
        instances: [{ vrid: 51, priorities: [200, 100], preempt: [true, true], preemptDelay: 0, advertInterval: 0.1, unicast: false, vipCount: 2 }],
        syncGroup: false,
        scriptWeight: null,
        trackEth1Weight: null,
        service: null,
      },
      faults: [{ at: 8000, fault: { kind: 'vip-delete', node: 0, index: 1 } }],
    },
  },
  {
    found: 'a network manager restart on the master (addresses flushed, its own back 2 s later) ended with no director holding the VIP',
    schedule: {
      seed: 0,
      cluster: {
        nodes: 2,
        instances: [{ vrid: 51, priorities: [200, 100], preempt: [true, true], preemptDelay: 0, advertInterval: 0.1, unicast: false, vipCount: 1 }],
        syncGroup: false,
        scriptWeight: null,
        trackEth1Weight: null,
        service: null,
      },
      faults: [{ at: 8000, fault: { kind: 'flush', node: 0, iface: 'eth0', forMs: 2000 } }],
    },
  },
  {
    found: 'a director started while a flush left its interface without an address did not start (it now exits, and systemd starts it again)',
    schedule: {
      seed: 0,
      cluster: {
        nodes: 2,
        instances: [{ vrid: 51, priorities: [1, 1], preempt: [true, true], preemptDelay: 0, advertInterval: 0.1, unicast: false, vipCount: 1 }],
        syncGroup: false,
        scriptWeight: null,
        trackEth1Weight: null,
        service: null,
      },
      faults: [{ at: 0, fault: { kind: 'flush', node: 1, iface: 'eth0', forMs: 50 } }],
    },
  },
  {
    found: 'a reload that moved an instance to an interface a flush had emptied was refused, rightly: the invariant now knows the host',
    schedule: {
      seed: 0,
      cluster: {
        nodes: 2,
        instances: [{ vrid: 51, priorities: [1, 1], preempt: [true, true], preemptDelay: 0, advertInterval: 0.1, unicast: false, vipCount: 1 }],
        syncGroup: false,
        scriptWeight: null,
        trackEth1Weight: null,
        service: null,
      },
      faults: [
        { at: 9832, fault: { kind: 'flush', node: 2, iface: 'eth1', forMs: 1507 } },
        { at: 10552, fault: { kind: 'reload', node: 2, edit: { kind: 'move', instance: 1, iface: 'eth1' } } },
      ],
    },
  },
  {
    found: 'a VIP deleted while its master was frozen (SIGSTOP) was reported missing the moment it resumed: the repair bound starts when the process runs again',
    schedule: {
      seed: 0,
      cluster: {
        nodes: 2,
        instances: [{ vrid: 51, priorities: [50, 1], preempt: [true, true], preemptDelay: 0, advertInterval: 0.1, unicast: false, vipCount: 1 }],
        syncGroup: false,
        scriptWeight: null,
        trackEth1Weight: null,
        service: null,
      },
      faults: [
        { at: 8907, fault: { kind: 'pause', node: 2, forMs: 1880 } },
        { at: 10564, fault: { kind: 'vip-delete', node: 0, index: 2 } },
      ],
    },
  },
  {
    found: 'a key rotated while a flush had emptied one director\'s interface was refused there (no source address), so it kept the old key when the address came back: two masters',
    schedule: {
      seed: 0,
      cluster: {
        nodes: 2,
        instances: [{ vrid: 51, priorities: [1, 1], preempt: [true, true], preemptDelay: 0, advertInterval: 0.1, unicast: false, vipCount: 1 }],
        syncGroup: false,
        scriptWeight: null,
        trackEth1Weight: null,
        service: null,
      },
      faults: [
        { at: 5007, fault: { kind: 'flush', node: 1, iface: 'eth0', forMs: 4922 } },
        { at: 5007, fault: { kind: 'reload', node: 0, edit: { kind: 'key' } } },
      ],
    },
  },
  {
    found: 'the invariants named a director whose interface a flush had emptied as the rightful master (it is in FAULT until its address is back)',
    schedule: {
      seed: 0,
      cluster: {
        nodes: 2,
        instances: [
          { vrid: 51, priorities: [1, 1], preempt: [true, true], preemptDelay: 0, advertInterval: 0.1, unicast: false, vipCount: 1 },
          { vrid: 52, priorities: [1, 2], preempt: [true, true], preemptDelay: 0, advertInterval: 0.1, unicast: false, vipCount: 1 },
        ],
        syncGroup: false,
        scriptWeight: null,
        trackEth1Weight: null,
        service: null,
      },
      faults: [{ at: 7, fault: { kind: 'flush', node: 1, iface: 'eth0', forMs: 2593 } }],
    },
  },
  {
    found: 'the invariants allowed two masters only after a flush ended, not while it lasted: a peer\'s unicast adverts to a flushed address reach nobody, as in a partition',
    schedule: {
      seed: 0,
      cluster: {
        nodes: 3,
        instances: [{ vrid: 51, priorities: [1, 6, 1], preempt: [true, true, true], preemptDelay: 0, advertInterval: 0.1, unicast: true, vipCount: 1 }],
        syncGroup: false,
        scriptWeight: null,
        trackEth1Weight: null,
        service: null,
      },
      faults: [
        { at: 0, fault: { kind: 'flush', node: 2, iface: 'eth0', forMs: 501 } },
        { at: 0, fault: { kind: 'reload', node: 2, edit: { kind: 'move', instance: 0, iface: 'eth1' } } },
      ],
    },
  },
  {
    found: 'a sync group stayed in FAULT after a flush ended: each member\'s source-address fault was imposed on the other, and clearing it did not tell the group',
    schedule: {
      seed: 0,
      cluster: {
        nodes: 3,
        instances: [
          { vrid: 51, priorities: [1, 21, 1], preempt: [true, true, true], preemptDelay: 0, advertInterval: 0.1, unicast: false, vipCount: 1 },
          { vrid: 52, priorities: [1, 21, 1], preempt: [true, true, true], preemptDelay: 0, advertInterval: 0.1, unicast: false, vipCount: 1 },
        ],
        syncGroup: true,
        scriptWeight: null,
        trackEth1Weight: 0,
        service: null,
      },
      faults: [
        { at: 9085, fault: { kind: 'link', node: 1, iface: 'eth1', forMs: 4125 } },
        { at: 12315, fault: { kind: 'flush', node: 1, iface: 'eth0', forMs: 3947 } },
      ],
    },
  },
];

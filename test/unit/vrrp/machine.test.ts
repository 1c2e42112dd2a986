import { describe, expect, it } from 'vitest';
import type { Advert } from '../../../src/vrrp/advert.js';
import type { Action, Event, InstanceParams, Machine } from '../../../src/vrrp/machine.js';
import { createMachine, nextDeadline, step } from '../../../src/vrrp/machine.js';

const params: InstanceParams = {
  vrid: 51,
  address: '192.0.2.2',
  priority: 100,
  intervalCs: 100,
  preempt: true,
  preemptDelayMs: 0,
  vips: ['192.0.2.100'],
};

const master = (priority: number, sender = '192.0.2.9', extra: Partial<Advert> = {}): Event => ({
  type: 'advert',
  advert: { kind: 'master', vrid: 51, priority, intervalCs: 100, epoch: 1, seq: 1, sender, vips: ['192.0.2.100'], ...extra },
});
const backup = (priority: number, sender: string): Event => ({
  type: 'advert',
  advert: { kind: 'backup', vrid: 51, priority, intervalCs: 100, epoch: 1, seq: 1, sender, vips: ['192.0.2.100'] },
});

/** Drives a machine through events at given times, like the runtime with a fake clock. */
class Harness {
  m: Machine;
  actions: Action[] = [];
  constructor(p: Partial<InstanceParams> = {}) {
    this.m = createMachine({ ...params, ...p });
  }
  at(now: number, event: Event): Action[] {
    const r = step(this.m, event, now);
    this.m = r.machine;
    this.actions.push(...r.actions);
    return r.actions;
  }
  /** Ticks at every deadline up to `until`, as the runtime's timer would. */
  runUntil(until: number): Action[] {
    const out: Action[] = [];
    for (let i = 0; i < 10_000; i++) {
      const d = nextDeadline(this.m);
      if (d === undefined || d > until) return out;
      out.push(...this.at(d, { type: 'tick' }));
    }
    throw new Error('runaway timer: deadline never moved forward');
  }
  get state() {
    return this.m.state;
  }
}

const transitions = (actions: Action[]) =>
  actions.filter((a) => a.type === 'transition').map((a) => (a.type === 'transition' ? `${a.from}->${a.to}` : ''));

describe('VRRP state machine: start and master down', () => {
  it('starts as BACKUP, announces itself, and arms the master down timer (RFC 5798: 3 intervals + Skew_Time)', () => {
    const h = new Harness();
    const acts = h.at(0, { type: 'start' });
    expect(acts).toEqual([
      { type: 'transition', from: 'INIT', to: 'BACKUP', reason: 'start' },
      { type: 'send', kind: 'backup', priority: 100 },
    ]);
    // skew = (256 - 100) * 1000 ms / 256 = 609.375 ms
    expect(h.m.masterDownAt).toBe(3000 + 609.375);
  });

  it('adds Skew_Time (RFC 5798) while a better live backup is known, so that one wins the race', () => {
    const h = new Harness();
    h.at(0, { type: 'start' });
    h.at(10, backup(150, '192.0.2.3'));
    h.at(20, master(200));
    // skew = (256 - 100) * 1000 ms / 256 = 609.375 ms
    expect(h.m.masterDownAt).toBe(20 + 3000 + 609.375);
  });

  it('becomes MASTER when the master down timer fires: VIPs, advert, GARP', () => {
    const h = new Harness();
    h.at(0, { type: 'start' });
    expect(transitions(h.runUntil(3609))).toEqual([]);
    const acts = h.runUntil(3610);
    expect(transitions(acts)).toEqual(['BACKUP->MASTER']);
    // The advert follows the GARP: a leaving master that hears it knows the VIPs are announced.
    expect(acts.slice(-3)).toEqual([{ type: 'addVips' }, { type: 'garp' }, { type: 'send', kind: 'master', priority: 100 }]);
    expect(h.m.advertAt).toBe(4609.375);
  });

  it('defers to a live backup that outranks it, so two directors starting together do not both take the VIPs', () => {
    const h = new Harness();
    h.at(0, { type: 'start' });
    h.at(3000, backup(150, '192.0.2.3'));
    expect(transitions(h.runUntil(3700))).toEqual([]);
    // The better backup became master: we follow it.
    h.at(3750, master(150, '192.0.2.3'));
    expect(h.state).toBe('BACKUP');
    // A better backup that falls silent no longer holds us back.
    const g = new Harness();
    g.at(0, { type: 'start' });
    g.at(1000, backup(150, '192.0.2.3'));
    expect(transitions(g.runUntil(3700))).toEqual([]);
    expect(transitions(g.runUntil(4700))).toEqual(['BACKUP->MASTER']);
  });

  it('sends backup presence adverts every interval while BACKUP', () => {
    const h = new Harness();
    h.at(0, { type: 'start' });
    const sends = h.runUntil(3500).filter((a) => a.type === 'send');
    expect(sends).toHaveLength(3);
  });

  it('an address owner (255) is MASTER at once', () => {
    const h = new Harness({ priority: 255 });
    expect(transitions(h.at(0, { type: 'start' }))).toEqual(['INIT->MASTER']);
  });

  it('a MASTER sends one advert per interval and never drifts into a busy loop', () => {
    const h = new Harness({ priority: 255 });
    h.at(0, { type: 'start' });
    const acts = h.runUntil(10_000);
    expect(acts.filter((a) => a.type === 'send')).toHaveLength(10);
  });
});

describe('VRRP state machine: following a master', () => {
  it('a BACKUP that hears a higher master resets its timer and never takes over', () => {
    const h = new Harness();
    h.at(0, { type: 'start' });
    for (let t = 1000; t <= 20_000; t += 1000) {
      h.runUntil(t - 1);
      h.at(t, master(200));
    }
    expect(h.state).toBe('BACKUP');
    expect(h.m.master).toEqual({ address: '192.0.2.9', priority: 200 });
    expect(h.m.masterDownAt).toBe(23_000 + 609.375);
  });

  it('learns the master advert interval for its timer', () => {
    const h = new Harness();
    h.at(0, { type: 'start' });
    h.at(10, master(200, '192.0.2.9', { intervalCs: 10 }));
    expect(h.m.masterDownAt).toBe(10 + 300 + 60.9375);
  });

  it('with preempt, takes over at once from a lower-priority master', () => {
    const h = new Harness();
    h.at(0, { type: 'start' });
    expect(transitions(h.at(5, master(50)))).toEqual(['BACKUP->MASTER']);
  });

  it('with nopreempt, follows a lower-priority master', () => {
    const h = new Harness({ preempt: false });
    h.at(0, { type: 'start' });
    h.at(5, master(50));
    h.runUntil(900);
    h.at(1000, master(50));
    expect(h.state).toBe('BACKUP');
  });

  it('preempt_delay holds preemption for its length, then takes over', () => {
    const h = new Harness({ preemptDelayMs: 5000 });
    h.at(0, { type: 'start' });
    for (let t = 100; t < 5000; t += 1000) {
      h.runUntil(t - 1);
      h.at(t, master(50));
      expect(h.state).toBe('BACKUP');
    }
    const acts = h.runUntil(5100);
    expect(transitions(acts)).toEqual(['BACKUP->MASTER']);
  });

  it('equal priority is not preempted by a backup (RFC 5798)', () => {
    const h = new Harness({ address: '192.0.2.200' });
    h.at(0, { type: 'start' });
    h.at(5, master(100, '192.0.2.9'));
    expect(h.state).toBe('BACKUP');
  });
});

describe('VRRP state machine: master behaviour', () => {
  const asMaster = (p: Partial<InstanceParams> = {}) => {
    const h = new Harness(p);
    h.at(0, { type: 'start' });
    h.runUntil(3610);
    expect(h.state).toBe('MASTER');
    return h;
  };

  it('steps down to a higher-priority master and removes its VIPs', () => {
    const h = asMaster();
    const acts = h.at(4000, master(150));
    expect(acts).toEqual([
      { type: 'transition', from: 'MASTER', to: 'BACKUP', reason: 'higher-priority master 192.0.2.9 (150)' },
      { type: 'removeVips' },
      { type: 'send', kind: 'backup', priority: 100 },
    ]);
  });

  it('equal priority: the higher address wins', () => {
    const low = asMaster({ address: '192.0.2.2' });
    expect(transitions(low.at(4000, master(100, '192.0.2.9')))).toEqual(['MASTER->BACKUP']);
    const high = asMaster({ address: '192.0.2.200' });
    expect(transitions(high.at(4000, master(100, '192.0.2.9')))).toEqual([]);
  });

  it('re-asserts at once (advert + GARP) when it hears a lower-priority master', () => {
    const h = asMaster();
    expect(h.at(4000, master(50))).toEqual([{ type: 'send', kind: 'master', priority: 100 }, { type: 'garp' }]);
    expect(h.m.advertAt).toBe(5000);
  });

  it('answers another master leaving with an immediate advert', () => {
    const h = asMaster();
    expect(h.at(4000, master(0))).toEqual([{ type: 'send', kind: 'master', priority: 100 }]);
  });

  it('on shutdown sends priority 0 and keeps its VIPs until the successor is heard', () => {
    const h = asMaster();
    expect(h.at(4000, { type: 'shutdown' })).toEqual([
      { type: 'transition', from: 'MASTER', to: 'INIT', reason: 'shutdown' },
      { type: 'send', kind: 'master', priority: 0 },
    ]);
    expect(h.at(4001, { type: 'shutdown' })).toEqual([]);
    expect(h.at(4020, master(50))).toEqual([{ type: 'removeVips' }]);
    expect(nextDeadline(h.m)).toBeUndefined();
  });

  it('on shutdown with no successor releases the VIPs after the grace (3 intervals, at most 1 s)', () => {
    const h = asMaster();
    h.at(4000, { type: 'shutdown' });
    expect(nextDeadline(h.m)).toBe(5000);
    expect(h.runUntil(6000)).toEqual([{ type: 'removeVips' }]);
    expect(nextDeadline(h.m)).toBeUndefined();
  });
});

describe('VRRP state machine: graceful handover', () => {
  it('the best remaining candidate takes over at once on priority 0', () => {
    const h = new Harness();
    h.at(0, { type: 'start' });
    h.at(100, master(200));
    h.at(150, backup(50, '192.0.2.3'));
    expect(transitions(h.at(200, master(0)))).toEqual(['BACKUP->MASTER']);
  });

  it('a backup that is not the best waits Skew_Time, then the master down timer', () => {
    const h = new Harness();
    h.at(0, { type: 'start' });
    h.at(100, master(200));
    h.at(150, backup(120, '192.0.2.3'));
    expect(h.at(200, master(0))).toEqual([]);
    expect(h.m.masterDownAt).toBe(200 + (156 * 1000) / 256);
    // The better backup took over and we hear it: we follow it.
    h.at(250, master(120, '192.0.2.3'));
    expect(h.state).toBe('BACKUP');
  });

  it('a better backup that has gone silent no longer counts', () => {
    const h = new Harness();
    h.at(0, { type: 'start' });
    h.at(100, backup(120, '192.0.2.3'));
    h.at(3000, master(200));
    expect(transitions(h.at(3500, master(0)))).toEqual(['BACKUP->MASTER']);
  });

  it('a peer that leaves (backup priority 0) is forgotten', () => {
    const h = new Harness();
    h.at(0, { type: 'start' });
    h.at(100, backup(120, '192.0.2.3'));
    h.at(150, backup(0, '192.0.2.3'));
    h.at(160, master(200));
    expect(transitions(h.at(200, master(0)))).toEqual(['BACKUP->MASTER']);
  });

  it('step-down hands over with priority 0 and holds off preemption', () => {
    const h = new Harness({ priority: 200 });
    h.at(0, { type: 'start' });
    h.runUntil(3300);
    expect(h.state).toBe('MASTER');
    const acts = h.at(4000, { type: 'stepDown', holdMs: Infinity });
    expect(acts[0]).toEqual({ type: 'send', kind: 'master', priority: 0 });
    expect(transitions(acts)).toEqual(['MASTER->BACKUP']);
    expect(acts).not.toContainEqual({ type: 'removeVips' });
    expect(h.at(4005, master(100))).toEqual([{ type: 'removeVips' }]);
    for (let t = 4010; t < 60_000; t += 1000) {
      h.runUntil(t - 1);
      h.at(t, master(100));
    }
    expect(h.state).toBe('BACKUP');
  });

  it('a finite hold ends with preemption', () => {
    const h = new Harness({ priority: 200 });
    h.at(0, { type: 'start' });
    h.runUntil(3300);
    h.at(4000, { type: 'stepDown', holdMs: 2000 });
    h.at(4010, master(100));
    h.runUntil(5000);
    h.at(5010, master(100));
    expect(transitions(h.runUntil(6100))).toEqual(['BACKUP->MASTER']);
  });
});

describe('VRRP state machine: priority, faults, sync groups', () => {
  it('a tracked priority change is advertised at once by a master', () => {
    const h = new Harness({ priority: 255 });
    h.at(0, { type: 'start' });
    expect(h.at(10, { type: 'priority', priority: 80 })).toEqual([]); // the owner keeps 255
    const g = new Harness();
    g.at(0, { type: 'start' });
    g.runUntil(3610);
    expect(g.at(4000, { type: 'priority', priority: 80 })).toEqual([{ type: 'send', kind: 'master', priority: 80 }]);
  });

  it('a backup whose priority rises above its master preempts it', () => {
    const h = new Harness();
    h.at(0, { type: 'start' });
    h.at(100, master(120));
    expect(transitions(h.at(200, { type: 'priority', priority: 130 }))).toEqual(['BACKUP->MASTER']);
  });

  it('priority is clamped to 1-254', () => {
    const h = new Harness();
    h.at(0, { type: 'start' });
    h.at(1, { type: 'priority', priority: 400 });
    expect(h.m.priority).toBe(254);
    h.at(2, { type: 'priority', priority: -3 });
    expect(h.m.priority).toBe(1);
  });

  it('a fault takes a master to FAULT (priority 0, VIPs removed) and back to BACKUP', () => {
    const h = new Harness();
    h.at(0, { type: 'start' });
    h.runUntil(3610);
    expect(h.at(4000, { type: 'faults', faults: ['eth0 down'] })).toEqual([
      { type: 'transition', from: 'MASTER', to: 'FAULT', reason: 'eth0 down' },
      { type: 'send', kind: 'master', priority: 0 },
      { type: 'removeVips' },
    ]);
    expect(h.m.releaseAt).toBeUndefined();
    expect(nextDeadline(h.m)).toBeUndefined();
    expect(h.at(4100, master(50))).toEqual([]);
    expect(transitions(h.at(5000, { type: 'faults', faults: [] }))).toEqual(['FAULT->BACKUP']);
  });

  it('a fault present at start starts in FAULT', () => {
    const h = new Harness();
    h.at(0, { type: 'faults', faults: ['eth0 down'] });
    expect(transitions(h.at(0, { type: 'start' }))).toEqual(['INIT->FAULT']);
  });

  it('force moves a member of a sync group, and only between BACKUP and MASTER', () => {
    const h = new Harness();
    h.at(0, { type: 'start' });
    expect(transitions(h.at(10, { type: 'force', to: 'MASTER', reason: 'sync group' }))).toEqual(['BACKUP->MASTER']);
    expect(h.at(20, { type: 'force', to: 'MASTER', reason: 'sync group' })).toEqual([]);
    expect(transitions(h.at(30, { type: 'force', to: 'BACKUP', reason: 'sync group' }))).toEqual(['MASTER->BACKUP']);
  });
});

describe('VRRP state machine: configuration mismatch', () => {
  it('reports a peer whose interval or VIPs differ, once per change', () => {
    const h = new Harness();
    h.at(0, { type: 'start' });
    const odd = master(200, '192.0.2.9', { intervalCs: 20, vips: ['192.0.2.101'] });
    const first = h.at(10, odd);
    expect(first).toEqual([
      {
        type: 'mismatch',
        peer: '192.0.2.9',
        detail: 'advert interval 20 cs; ours is 100 cs; VIPs [192.0.2.101]; ours are [192.0.2.100]',
      },
    ]);
    expect(h.at(20, odd)).toEqual([]);
    expect(h.at(30, master(200))).toEqual([]);
  });

  it('ignores its own adverts and other VRIDs', () => {
    const h = new Harness();
    h.at(0, { type: 'start' });
    expect(h.at(10, master(0, '192.0.2.2'))).toEqual([]);
    expect(h.at(10, { type: 'advert', advert: { ...(master(0) as { advert: Advert }).advert, vrid: 52 } })).toEqual([]);
  });
});

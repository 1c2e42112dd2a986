import { describe, expect, it } from 'vitest';
import type { Advert } from '../../../src/vrrp/advert.js';
import { ReplayGuard } from '../../../src/vrrp/replay.js';

const a = (epoch: number, seq: number, sender = '192.0.2.1'): Advert => ({
  kind: 'master', vrid: 1, priority: 100, intervalCs: 100, epoch, seq, sender, vips: [],
});

describe('replay guard', () => {
  it('accepts growing sequences and a new epoch, refuses old ones', () => {
    const g = new ReplayGuard();
    expect(g.check(a(5, 1))).toBeUndefined();
    expect(g.check(a(5, 2))).toBeUndefined();
    expect(g.check(a(5, 2))).toBe('sequence 2 is not newer than 2 already seen from 192.0.2.1');
    expect(g.check(a(5, 1))).toBe('sequence 1 is not newer than 2 already seen from 192.0.2.1');
    expect(g.check(a(6, 0))).toBeUndefined();
    expect(g.check(a(5, 99))).toBe('epoch 5 is older than 6 already seen from 192.0.2.1');
  });

  it('keeps senders apart', () => {
    const g = new ReplayGuard();
    expect(g.check(a(5, 9))).toBeUndefined();
    expect(g.check(a(1, 1, '192.0.2.2'))).toBeUndefined();
  });
});

describe('replay guard across a restart of the receiver', () => {
  it('starts from the saved state: older epochs and sequences stay refused', () => {
    const before = new ReplayGuard();
    for (let seq = 1; seq <= 5; seq++) before.check(a(7, seq));
    expect(before.changed).toBe(true);
    const saved = JSON.parse(JSON.stringify(before.snapshot())) as ReturnType<ReplayGuard['snapshot']>;
    expect(before.changed).toBe(false);
    const after = new ReplayGuard(saved);
    expect(after.check(a(7, 3))).toBe('sequence 3 is not newer than 5 already seen from 192.0.2.1');
    expect(after.check(a(6, 99))).toBe('epoch 6 is older than 7 already seen from 192.0.2.1');
    expect(after.check(a(7, 6))).toBeUndefined();
  });

  it('ignores a damaged saved entry', () => {
    const g = new ReplayGuard({ '1/192.0.2.1': { epoch: 'x', seq: 1 } } as never);
    expect(g.check(a(1, 1))).toBeUndefined();
  });
});

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

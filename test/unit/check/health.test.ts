import { describe, expect, it } from 'vitest';
import type { Health } from '../../../src/check/health.js';
import { applyResult, initialHealth } from '../../../src/check/health.js';
import type { CheckResult } from '../../../src/check/types.js';

const result = (ok: boolean, weight?: number): CheckResult => ({ ok, message: ok ? 'ok' : 'refused', durationMs: 1, at: 'T', weight });

function feed(h: Health, oks: (boolean | number)[], rise: number, fall: number): { ups: boolean[]; changes: boolean[]; last: Health } {
  const ups: boolean[] = [];
  const changes: boolean[] = [];
  for (const x of oks) {
    const r = applyResult(h, typeof x === 'number' ? result(true, x) : result(x), rise, fall);
    h = r.health;
    ups.push(h.up);
    changes.push(r.changed);
  }
  return { ups, changes, last: h };
}

describe('health', () => {
  it('goes down after fall failures in a row and back after rise successes', () => {
    const { ups, changes } = feed(initialHealth('up', 2), [false, false, true, false, false, false, true, true], 2, 3);
    expect(ups).toEqual([true, true, true, true, true, false, false, true]);
    expect(changes).toEqual([false, false, false, false, false, true, false, true]);
  });

  it('starts down one success short of up (Keepalived alpha)', () => {
    const { ups } = feed(initialHealth('down', 3), [true], 3, 1);
    expect(ups).toEqual([true]);
    const second = feed(initialHealth('down', 3), [false, true, true, true], 3, 1);
    expect(second.ups).toEqual([false, false, false, true]);
  });

  it('counts checks and failures and stamps the last change', () => {
    const { last } = feed(initialHealth('up', 1), [true, false, false], 1, 2);
    expect(last).toMatchObject({ up: false, checks: 3, failures: 2, lastChange: 'T', last: { ok: false, message: 'refused' } });
  });

  it('takes a dynamic weight while up and reports its change', () => {
    const { changes, last } = feed(initialHealth('up', 1), [5, 5, true, 7], 1, 1);
    expect(changes).toEqual([true, false, false, true]);
    expect(last.weight).toBe(7);
  });
});

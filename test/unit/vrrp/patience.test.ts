import { describe, expect, it } from 'vitest';
import type { Action, Event, Machine } from '../../../src/vrrp/machine.js';
import { createMachine, nextDeadline, step } from '../../../src/vrrp/machine.js';
import { DEAF, FEWEST_MISSED, MOST_MISSED, hear, missedAdvertsBeforeTakeover } from '../../../src/vrrp/patience.js';
import { prng } from '../../../src/sim/network.js';
import { skewTimeMs } from '../../../src/vrrp/timers.js';

const MASTER = '192.0.2.1';
const INTERVAL_CS = 10;
const advert = (priority: number, sender = MASTER): Event => ({
  type: 'advert',
  advert: { kind: 'master', vrid: 51, priority, intervalCs: INTERVAL_CS, epoch: 1, seq: 1, sender, vips: ['192.0.2.100'] },
});

/**
 * A live master (priority 150) sends every 100 ms for `seconds`; each advert is lost with
 * probability `loss`. Returns the times adverts arrived, and how often a tandem backup
 * (priority 100) took the VIPs from that live master.
 */
function lossyLink(loss: number, seconds: number, seed: number): { arrivals: number[]; takeovers: number } {
  const rand = prng(seed);
  let m: Machine = createMachine({ vrid: 51, address: '192.0.2.2', priority: 100, intervalCs: INTERVAL_CS, preempt: true, preemptDelayMs: 0, vips: ['192.0.2.100'] });
  const arrivals: number[] = [];
  let takeovers = 0;
  const feed = (event: Event, now: number) => {
    const r = step(m, event, now);
    m = r.machine;
    takeovers += r.actions.filter((a: Action) => a.type === 'transition' && a.to === 'MASTER').length;
  };
  feed({ type: 'start' }, 0);
  for (let now = 50; now < seconds * 1000; now += INTERVAL_CS * 10) {
    for (let d = nextDeadline(m); d !== undefined && d < now; d = nextDeadline(m)) feed({ type: 'tick' }, d);
    if (rand() < loss) continue;
    arrivals.push(now);
    // A backup that took over hears the live master's higher priority and gives way again.
    feed(advert(150), now);
  }
  return { arrivals, takeovers };
}

/** What RFC 5798 (and Keepalived) does with the same arrivals: a takeover per silence of 3 x interval + Skew_Time. */
function rfcTakeovers(arrivals: number[]): number {
  const masterDown = 3 * INTERVAL_CS * 10 + skewTimeMs(100, INTERVAL_CS);
  let count = 0;
  for (let i = 1; i < arrivals.length; i++) if ((arrivals[i] as number) - (arrivals[i - 1] as number) > masterDown) count++;
  return count;
}

describe('patience: the missed adverts a backup waits for', () => {
  it('is RFC 5798 three on a clean link, grows with the loss measured, and is bounded', () => {
    expect(missedAdvertsBeforeTakeover(0)).toBe(FEWEST_MISSED);
    expect(missedAdvertsBeforeTakeover(0.01)).toBe(3);
    expect(missedAdvertsBeforeTakeover(0.1)).toBe(5);
    expect(missedAdvertsBeforeTakeover(0.2)).toBe(8);
    expect(missedAdvertsBeforeTakeover(0.3)).toBe(10);
    expect(missedAdvertsBeforeTakeover(0.9)).toBe(MOST_MISSED);
    expect(missedAdvertsBeforeTakeover(1)).toBe(MOST_MISSED);
  });

  it('measures loss from the gaps between one master’s adverts, and forgets it as adverts arrive', () => {
    let h = hear(DEAF, MASTER, 0, INTERVAL_CS);
    h = hear(h, MASTER, 100, INTERVAL_CS);
    expect(h.loss).toBe(0);
    // 400 ms after the last: three adverts missed, then one heard.
    h = hear(h, MASTER, 500, INTERVAL_CS);
    expect(h.loss).toBeGreaterThan(0.08);
    const lossy = h.loss;
    for (let t = 600; t <= 3000; t += 100) h = hear(h, MASTER, t, INTERVAL_CS);
    expect(h.loss).toBeLessThan(lossy / 2);
    // A gap between two different masters' adverts is not loss.
    expect(hear(hear(DEAF, MASTER, 0, INTERVAL_CS), '192.0.2.3', 5000, INTERVAL_CS).loss).toBe(0);
    // Late by less than half an interval is jitter, not loss.
    expect(hear(hear(DEAF, MASTER, 0, INTERVAL_CS), MASTER, 149, INTERVAL_CS).loss).toBe(0);
  });
});

describe('VRRP state machine: false takeovers under loss', () => {
  it('never takes over more often than RFC 5798 timing would, and far less at 20-30% loss', () => {
    for (const [loss, seed] of [
      [0.1, 1],
      [0.2, 2],
      [0.3, 3],
      [0.4, 4],
    ] as const) {
      const { arrivals, takeovers } = lossyLink(loss, 600, seed);
      const rfc = rfcTakeovers(arrivals);
      expect(takeovers, `at ${loss * 100}% loss`).toBeLessThanOrEqual(rfc);
      if (loss >= 0.2) {
        expect(rfc, `RFC timing at ${loss * 100}% loss`).toBeGreaterThan(10);
        expect(takeovers, `at ${loss * 100}% loss`).toBeLessThanOrEqual(rfc / 10);
      }
    }
  });

  it('a clean link keeps RFC 5798 detection: a dead master is replaced after 3 intervals + Skew_Time', () => {
    let m = createMachine({ vrid: 51, address: '192.0.2.2', priority: 100, intervalCs: INTERVAL_CS, preempt: true, preemptDelayMs: 0, vips: ['192.0.2.100'] });
    m = step(m, { type: 'start' }, 0).machine;
    for (let t = 100; t <= 5000; t += 100) m = step(m, advert(150), t).machine;
    expect(m.masterDownAt).toBe(5000 + 300 + skewTimeMs(100, INTERVAL_CS));
  });

  it('after heavy loss waits longer, yet a master that leaves (priority 0) is replaced at once', () => {
    let m = createMachine({ vrid: 51, address: '192.0.2.2', priority: 100, intervalCs: INTERVAL_CS, preempt: true, preemptDelayMs: 0, vips: ['192.0.2.100'] });
    m = step(m, { type: 'start' }, 0).machine;
    // Every other advert lost for 10 s.
    for (let t = 200; t <= 10_000; t += 200) m = step(m, advert(150), t).machine;
    expect(m.hearing.loss).toBeGreaterThan(0.3);
    expect(m.masterDownAt).toBe(10_000 + MOST_MISSED * 100 + skewTimeMs(100, INTERVAL_CS));
    const left = step(m, advert(0), 10_050);
    expect(left.actions).toContainEqual({ type: 'transition', from: 'BACKUP', to: 'MASTER', reason: expect.stringContaining('priority 0') });
  });
});

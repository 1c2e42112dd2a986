import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { CheckSpec } from '../../../src/check/build.js';
import { HealthMonitor } from '../../../src/check/monitor.js';
import { firstDelayMs, nextDelayMs } from '../../../src/check/schedule.js';
import type { CheckOutcome } from '../../../src/check/types.js';
import { specsOf } from '../../support/check-specs.js';
import { FakeClock } from './fake-clock.js';

const log = pino({ level: 'silent' });

function specs(check: string, servers = 1): CheckSpec[] {
  const rs = Array.from({ length: servers }, (_, i) => `{ address: 10.0.${i >> 8}.${i & 255}, port: 80 }`).join(', ');
  return specsOf(check, `[${rs}]`);
}

/** Runs a monitor on a fake clock with a scripted checker; records when each check started. */
function harness(list: CheckSpec[], answer: (server: string, n: number) => CheckOutcome | 'hang' | number) {
  const clock = new FakeClock();
  const starts: { server: string; at: number }[] = [];
  const changes: { server: string; up: boolean; at: number }[] = [];
  const counts = new Map<string, number>();
  const monitor = new HealthMonitor({
    log,
    clock,
    random: () => 0.5,
    onChange: (spec, h) => void changes.push({ server: spec.server, up: h.up, at: clock.now() }),
    build: (spec) =>
      Promise.resolve((signal: AbortSignal) => {
        const n = (counts.get(spec.server) ?? 0) + 1;
        counts.set(spec.server, n);
        starts.push({ server: spec.server, at: clock.now() });
        const a = answer(spec.server, n);
        if (a === 'hang') return new Promise<CheckOutcome>((resolve) => signal.addEventListener('abort', () => setTimeout(() => resolve({ ok: true, message: 'too late' }), 0)));
        if (typeof a === 'number') return new Promise<CheckOutcome>((resolve) => clock.set(() => resolve({ ok: true, message: 'slow' }), a));
        return Promise.resolve(a);
      }),
  });
  return { clock, monitor, starts, changes };
}

describe('check schedule', () => {
  it('spreads first checks over one interval and adds the warm-up', () => {
    const t = { intervalMs: 1000, timeoutMs: 500, retryDelayMs: 1000, warmupMs: 2000 };
    expect([0, 1, 2, 3].map((i) => firstDelayMs(i, 4, t, 0))).toEqual([0, 250, 500, 750]);
    expect(firstDelayMs(0, 1, t, 0.5)).toBe(1000);
    expect(nextDelayMs(t, 0, 300, false)).toBe(700);
    expect(nextDelayMs(t, 0, 1300, false)).toBe(0);
    expect(nextDelayMs({ ...t, retryDelayMs: 200 }, 0, 300, true)).toBe(200);
  });

  it('starts a thousand checks spread over the interval, then keeps the period', async () => {
    const { clock, monitor, starts } = harness(specs('{ type: tcp, interval: 1 }', 1000), () => ({ ok: true, message: 'ok' }));
    await monitor.update(specs('{ type: tcp, interval: 1 }', 1000));
    await clock.advanceTo(999);
    expect(starts).toHaveLength(1000);
    const perTenth = Array.from({ length: 10 }, (_, k) => starts.filter((s) => s.at >= k * 100 && s.at < (k + 1) * 100).length);
    expect(Math.max(...perTenth)).toBeLessThanOrEqual(101);
    await clock.advanceTo(4999);
    expect(starts).toHaveLength(5000);
    monitor.stop();
  });

  it('takes a dead server out after interval + (fall - 1) x retry_delay, and back after rise', async () => {
    const list = specs('{ type: tcp, interval: 2, fall: 3, rise: 2, retry_delay: 0.5, timeout: 1 }');
    let dead = false;
    const { clock, monitor, starts, changes } = harness(list, () => (dead ? { ok: false, message: 'refused' } : { ok: true, message: 'ok' }));
    await monitor.update(list);
    await clock.advanceTo(1000);
    dead = true; // dies at 1000; checks at 2000 (fail), 2500, 3000 -> down at 3000
    await clock.advanceTo(4000);
    expect(changes).toEqual([{ server: '10.0.0.0:80', up: false, at: 3000 }]);
    expect(starts.map((s) => s.at)).toEqual([0, 2000, 2500, 3000]);
    dead = false; // next checks at 5000 and 7000 -> up at 7000
    await clock.advanceTo(8000);
    expect(changes.at(-1)).toEqual({ server: '10.0.0.0:80', up: true, at: 7000 });
    monitor.stop();
  });

  it('fails a check at its timeout, whatever the checker does after', async () => {
    const list = specs('{ type: tcp, interval: 1, timeout: 0.3, fall: 1 }');
    const { clock, monitor, changes } = harness(list, () => 'hang');
    await monitor.update(list);
    await clock.advanceTo(350);
    expect(changes).toEqual([{ server: '10.0.0.0:80', up: false, at: 300 }]);
    expect(monitor.list()[0]?.health.last).toMatchObject({ ok: false, message: 'no answer within the 0.3 s timeout', durationMs: 300 });
    monitor.stop();
  });

  it('keeps the period when checks are slow, without overlapping them', async () => {
    const list = specs('{ type: tcp, interval: 1, timeout: 5 }');
    const { clock, monitor, starts } = harness(list, () => 1500);
    await monitor.update(list);
    await clock.advanceTo(4600);
    expect(starts.map((s) => s.at)).toEqual([0, 1500, 3000, 4500]);
    monitor.stop();
  });

  it('keeps an unchanged check and its health across an update, restarts a changed one', async () => {
    const before = specs('{ type: tcp, interval: 1, fall: 1 }', 2);
    const { clock, monitor } = harness(before, (server) => (server === '10.0.0.0:80' ? { ok: false, message: 'refused' } : { ok: true, message: 'ok' }));
    await monitor.update(before);
    await clock.advanceTo(900);
    expect(monitor.list().map((c) => c.health.up)).toEqual([false, true]);
    const same = await monitor.update(specs('{ type: tcp, interval: 1, fall: 1 }', 2));
    expect(same).toEqual({ started: [], kept: ['tcp 192.0.2.1:80 10.0.0.0:80', 'tcp 192.0.2.1:80 10.0.0.1:80'], stopped: [] });
    expect(monitor.health('tcp 192.0.2.1:80 10.0.0.0:80')?.up).toBe(false);
    const changed = await monitor.update(specs('{ type: tcp, interval: 2, fall: 1 }', 1));
    expect(changed).toEqual({ started: ['tcp 192.0.2.1:80 10.0.0.0:80'], kept: [], stopped: ['tcp 192.0.2.1:80 10.0.0.1:80'] });
    expect(monitor.health('tcp 192.0.2.1:80 10.0.0.0:80')?.up).toBe(true);
    monitor.stop();
  });
});

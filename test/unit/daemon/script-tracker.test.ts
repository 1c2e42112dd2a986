import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/clock.js';
import type { ScriptConfig } from '../../../src/config/schema.js';
import { ScriptTracker } from '../../../src/daemon/script-tracker.js';

/** A clock whose timers run when the test says, and a script whose results the test gives. */
function harness(results: boolean[], config: Partial<ScriptConfig> = {}) {
  let pending: (() => void) | undefined;
  const clock: Clock = { now: () => 0, epochMs: () => 0, wall: () => '', set: (fn) => (pending = fn), clear: () => (pending = undefined), defer: (fn) => fn() };
  const changes: boolean[] = [];
  const tracker = new ScriptTracker(
    'chk',
    { command: ['/bin/true'], interval: 1, timeout: 1, weight: 0, rise: 2, fall: 2, start_down: false, ...config },
    { log: pino({ level: 'silent' }), clock, run: async () => results.shift() ?? true },
    (up) => changes.push(up),
  );
  /** Runs the script `n` more times (the first at start), each after the last one's result. */
  const runs = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const next = pending;
      pending = undefined;
      if (next) next();
      else tracker.start();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { tracker, changes, runs };
}

describe('a tracking script', () => {
  it('counts as up from the start, and goes down after `fall` failures (Keepalived without init_fail)', async () => {
    const { tracker, changes, runs } = harness([false, false]);
    expect(tracker.up).toBe(true);
    await runs(1);
    expect(tracker.up).toBe(true);
    await runs(1);
    expect(tracker.up).toBe(false);
    expect(changes).toEqual([false]);
  });

  it('with start_down counts as failed from the start, until `rise` successes (init_fail)', async () => {
    const { tracker, changes, runs } = harness([true, true], { start_down: true });
    expect(tracker.up).toBe(false);
    await runs(1);
    expect(tracker.up).toBe(false);
    await runs(1);
    expect(tracker.up).toBe(true);
    expect(changes).toEqual([true]);
  });
});

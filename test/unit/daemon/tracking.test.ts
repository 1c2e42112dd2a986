import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { riseFallStep } from '../../../src/check/rise-fall.js';
import type { RiseFall } from '../../../src/check/rise-fall.js';
import { groupTracked, trackedEffect } from '../../../src/daemon/tracking.js';
import { runScript } from '../../../src/daemon/script-tracker.js';
import { pino } from 'pino';

describe('rise/fall', () => {
  const run = (results: boolean[], rise: number, fall: number) => {
    let s: RiseFall = { up: true, against: 0 };
    return results.map((ok) => (s = riseFallStep(s, ok, rise, fall)).up);
  };
  it('goes down after fall failures in a row and up after rise successes', () => {
    expect(run([false, false, true, false, false, false, true, true], 2, 3)).toEqual([true, true, true, true, true, false, false, true]);
  });
  it('with 1/1 follows every result', () => {
    expect(run([false, true, false], 1, 1)).toEqual([false, true, false]);
  });
});

describe('tracked effect', () => {
  it('applies weights as Keepalived does and turns weight-0 failures into faults', () => {
    expect(
      trackedEffect(100, [
        { name: 'chk_up', up: true, weight: 10 },
        { name: 'chk_plus_down', up: false, weight: 5 },
        { name: 'chk_minus_down', up: false, weight: -30 },
        { name: 'chk_minus_up', up: true, weight: -7 },
        { name: 'eth1', up: false, weight: 0 },
      ]),
    ).toEqual({ priority: 80, faults: ['eth1 down'] });
  });

  it('weighs a sync group member\'s weighted tracks on every member, once, and leaves faults with their member', () => {
    const own = new Map([
      ['VI_EXT', [{ name: 'eth0', up: true, weight: 0 }, { name: 'script chk_web', up: false, weight: -60 }, { name: 'script chk_both', up: false, weight: -5 }]],
      ['VI_GW', [{ name: 'eth1', up: false, weight: 0 }, { name: 'script chk_both', up: false, weight: -5 }]],
      ['VI_ALONE', [{ name: 'script chk_web', up: false, weight: -60 }]],
    ]);
    const tracked = groupTracked(own, [['VI_EXT', 'VI_GW']]);
    expect(trackedEffect(150, tracked.get('VI_EXT') ?? [])).toEqual({ priority: 85, faults: [] });
    expect(trackedEffect(150, tracked.get('VI_GW') ?? [])).toEqual({ priority: 85, faults: ['eth1 down'] });
    expect(tracked.get('VI_ALONE')).toEqual(own.get('VI_ALONE'));
  });
});

describe('a tracked process (an imported vrrp_track_process)', () => {
  it('is up while a process of that name runs, down otherwise', async () => {
    const log = pino({ level: 'silent' });
    const config = (name: string) => ({ command: ['pgrep', '-x', '--', name], interval: 1, timeout: 2, weight: 0, rise: 1, fall: 1 });
    // A process of a name no other has: a copy of sleep (names longer than 15 characters are cut by the kernel).
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tandem-proc-'));
    const name = `tdtrk${process.pid % 100000}`;
    copyFileSync('/bin/sleep', path.join(dir, name));
    chmodSync(path.join(dir, name), 0o755);
    const child = spawn(path.join(dir, name), ['30'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      expect(await runScript('p', config(name), log)).toBe(true);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      expect(await runScript('p', config(name), log)).toBe(false);
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

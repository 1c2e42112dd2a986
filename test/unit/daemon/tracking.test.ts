import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import { parseConfig } from '../../../src/config/parse.js';
import { FileTracker } from '../../../src/daemon/file-tracker.js';
import { riseFallStep } from '../../../src/check/rise-fall.js';
import type { RiseFall } from '../../../src/check/rise-fall.js';
import { groupTracked, trackedEffect, trackedFile, trackInstances } from '../../../src/daemon/tracking.js';
import { runScript } from '../../../src/daemon/script-tracker.js';
import { pino } from 'pino';
import { spawn } from '../../support/programs.js';

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
    const config = (name: string) => ({ command: ['pgrep', '-x', '--', name], interval: 1, timeout: 2, weight: 0, rise: 1, fall: 1, start_down: false });
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

describe('a tracked file (Keepalived\'s track_file)', () => {
  it('adds value × weight, within -254..253; -254 or less is a fault; weight 0 faults on any value but 0', () => {
    expect(trackedFile('f', 3, -10)).toMatchObject({ up: true, delta: -30 });
    expect(trackedFile('f', 0, 5)).toMatchObject({ up: true, delta: 0 });
    expect(trackedFile('f', 1000, 1)).toMatchObject({ up: true, delta: 253 });
    expect(trackedFile('f', 300, -1)).toMatchObject({ up: false, weight: 0, why: 'file f holds 300: 300 × -1 is -254 or less' });
    expect(trackedFile('f', 0, 0)).toMatchObject({ up: true });
    expect(trackedFile('f', 2, 0)).toMatchObject({ up: false, why: 'file f holds 2, not 0' });
    expect(trackedEffect(100, [trackedFile('a', 3, -10), trackedFile('b', 2, 5), { name: 's', up: false, weight: -5 }])).toEqual({ priority: 75, faults: [] });
  });

  it('weighs on an instance by name, with the file\'s weight or the instance\'s own', () => {
    const config = parseConfig(
      `auth: none
files:
  maint: { path: /run/maint, weight: -2 }
instances:
  - { name: A, interface: eth0, vrid: 1, priority: 100, vips: [192.0.2.1], track_files: [maint] }
  - { name: B, interface: eth0, vrid: 2, priority: 100, vips: [192.0.2.2], track_files: [{ file: maint, weight: 0 }] }
`,
      't.yaml',
    ).config;
    const effects = trackInstances(config, { linkDown: () => undefined, scriptUp: () => true, hasQuorum: () => true, fileValue: () => 7 });
    expect(effects.get('A')).toEqual({ priority: 86, faults: [] });
    expect(effects.get('B')).toEqual({ priority: 100, faults: ['file maint holds 7, not 0'] });
  });
});

describe('the file tracker', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tandem-file-tracker-'));
  const log = pino({ level: 'silent' });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Waits (bounded) until `tracker.value` is `value`; the test checks values, not timing. */
  const until = async (tracker: FileTracker, value: number) => {
    for (let i = 0; i < 200 && tracker.value !== value; i++) await new Promise((r) => setTimeout(r, 25));
    return tracker.value;
  };

  it('writes its init value when the file is missing, then follows writes and renames', async () => {
    const file = path.join(dir, 'weight');
    const seen: number[] = [];
    const tracker: FileTracker = new FileTracker('w', { path: file, weight: 1, init: 5, init_overwrite: false }, { log, clock: systemClock }, () => seen.push(tracker.value));
    await tracker.start();
    try {
      expect(readFileSync(file, 'utf8')).toBe('5\n');
      expect(tracker.value).toBe(5);
      writeFileSync(file, '12');
      expect(await until(tracker, 12)).toBe(12);
      writeFileSync(`${file}.tmp`, '-3');
      renameSync(`${file}.tmp`, file);
      expect(await until(tracker, -3)).toBe(-3);
      rmSync(file);
      expect(await until(tracker, 0)).toBe(0);
      expect(seen).toEqual([5, 12, -3, 0]);
    } finally {
      tracker.stop();
    }
  });

  it('keeps an existing file unless init_overwrite, and reads a file whose directory is missing by polling', async () => {
    const file = path.join(dir, 'kept');
    writeFileSync(file, '9');
    const keep = new FileTracker('k', { path: file, weight: 1, init: 0, init_overwrite: false }, { log, clock: systemClock }, () => undefined);
    await keep.start();
    keep.stop();
    expect(keep.value).toBe(9);
    const over = new FileTracker('o', { path: file, weight: 1, init: 1, init_overwrite: true }, { log, clock: systemClock }, () => undefined);
    await over.start();
    over.stop();
    expect(over.value).toBe(1);

    const later = path.join(dir, 'later', 'value');
    const polled = new FileTracker('p', { path: later, weight: 1, init_overwrite: false }, { log, clock: systemClock }, () => undefined);
    await polled.start();
    try {
      expect(polled.value).toBe(0);
      mkdirSync(path.dirname(later));
      writeFileSync(later, '2');
      expect(await until(polled, 2)).toBe(2);
    } finally {
      polled.stop();
    }
  });
});

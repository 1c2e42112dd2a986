import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileChecker, fileOutcome, parseTrackedValue, readTrackedValue } from '../../../src/check/file.js';

describe('a tracked file\'s value, read as Keepalived reads it (strtol, base 0)', () => {
  it.each([
    ['42\n', 42],
    ['  -7 trailing words', -7],
    ['+3', 3],
    ['0x1F', 31],
    ['010', 8],
    ['0', 0],
    ['', 0],
    ['words', 0],
    ['-', 0],
    ['09', 0],
    ['2147483648', 2147483648],
    ['-2147483648', -2147483648],
  ])('%j reads as %d', (text, value) => {
    expect(parseTrackedValue(text)).toBe(value);
  });

  it('a number beyond 32 bits is no value (the last one is kept)', () => {
    expect(parseTrackedValue('2147483649')).toBeUndefined();
    expect(parseTrackedValue('-2147483649')).toBeUndefined();
    expect(parseTrackedValue('0x1000000000')).toBeUndefined();
  });
});

describe('a file check', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tandem-file-check-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('with a multiplier of 0 is up on 0 only', () => {
    expect(fileOutcome(0, 5, 0)).toMatchObject({ ok: true });
    expect(fileOutcome(1, 5, 0)).toMatchObject({ ok: false, message: 'value 1 (not 0)' });
  });

  it('otherwise sets the weight to the own weight plus value × multiplier, within 0-65535', () => {
    expect(fileOutcome(3, 10, 2)).toEqual({ ok: true, message: 'value 3: weight 16', weight: 16 });
    expect(fileOutcome(3, 10, -5)).toMatchObject({ ok: true, weight: 0 });
    expect(fileOutcome(100000, 1, 1)).toMatchObject({ weight: 65535 });
  });

  it('reads a missing file as 0, and keeps the last value when the number is out of range', async () => {
    const file = path.join(dir, 'weight');
    expect(await readTrackedValue(file)).toBe(0);
    const check = fileChecker({ path: file, multiplier: 1, baseWeight: 1 });
    expect(await check()).toMatchObject({ weight: 1 });
    writeFileSync(file, '4\n');
    expect(await check()).toMatchObject({ weight: 5 });
    writeFileSync(file, '99999999999');
    expect(await check()).toMatchObject({ weight: 5 });
  });

  it('fails, saying why, when the path cannot be read', async () => {
    const outcome = await fileChecker({ path: dir, multiplier: 1, baseWeight: 1 })();
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toContain(`cannot read ${dir}`);
  });
});

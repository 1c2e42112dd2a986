import { chmod, chown, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateDir } from '../../src/daemon/state-dir.js';

/*
 * The state dir as an unprivileged user could prepare it for the root daemon (root is needed
 * to hand a directory to another uid; this project runs as root).
 */
describe('state dir: nothing in it lets anyone in', () => {
  let top: string;
  const dir = (name: string) => path.join(top, name);

  beforeAll(async () => {
    top = await mkdtemp(path.join(os.tmpdir(), 'tandem-state-'));
  });

  afterAll(async () => {
    await rm(top, { recursive: true, force: true });
  });

  it('refuses a directory owned by another user', async () => {
    await mkdir(dir('theirs'), { mode: 0o700 });
    await chown(dir('theirs'), 65534, 65534);
    await expect(new StateDir(dir('theirs')).claim()).rejects.toThrow(/is owned by uid 65534, not by this daemon's \(0\): that user could plant files in it; chown root .*; chmod 700/);
  });

  it('refuses a directory others or its group can write', async () => {
    await mkdir(dir('open'));
    await chmod(dir('open'), 0o777);
    await expect(new StateDir(dir('open')).claim()).rejects.toThrow(/is writable by everyone \(mode 777\)/);
    await mkdir(dir('group'));
    await chmod(dir('group'), 0o770);
    await expect(new StateDir(dir('group')).claim()).rejects.toThrow(/is writable by its group \(mode 770\)/);
  });

  it('refuses a symlink as the directory', async () => {
    await mkdir(dir('real'), { mode: 0o700 });
    await symlink(dir('real'), dir('link'));
    await expect(new StateDir(dir('link')).claim()).rejects.toThrow(/is a symlink/);
  });

  it('does not write through a symlink planted in it', async () => {
    const secret = dir('secret');
    await writeFile(secret, 'root only\n', { mode: 0o600 });
    await mkdir(dir('planted'), { mode: 0o700 });
    await symlink(secret, path.join(dir('planted'), 'epoch'));
    const state = new StateDir(dir('planted'));
    await state.claim();
    await expect(state.nextEpoch()).rejects.toThrow(/ELOOP/);
    expect(await readFile(secret, 'utf8')).toBe('root only\n');
  });

  it('takes a directory of its own, and keeps its files to itself', async () => {
    const state = new StateDir(dir('mine'));
    await state.claim();
    expect((await stat(dir('mine'))).mode & 0o777).toBe(0o700);
    expect(await state.nextEpoch(1000)).toBe(1000);
    expect(await state.nextEpoch(999)).toBe(1001);
    expect((await stat(path.join(dir('mine'), 'epoch'))).mode & 0o777).toBe(0o600);
    expect((await readFile(state.pidFile, 'utf8')).trim()).toBe(String(process.pid));
  });
});

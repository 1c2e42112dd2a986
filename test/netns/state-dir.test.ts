import { chmod, chown, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateDir } from '../../src/daemon/state-dir.js';
import { run } from '../support/programs.js';

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

  it('refuses a directory whose control socket path would be cut by the kernel', async () => {
    const deep = dir('x'.repeat(120));
    await expect(new StateDir(deep).claim()).rejects.toThrow(/its control socket .*tandem\.sock would be \d+ bytes long, and a unix socket's path holds at most 107; use a shorter --state-dir/);
  });

  it('refuses a symlink as the directory', async () => {
    await mkdir(dir('real'), { mode: 0o700 });
    await symlink(dir('real'), dir('link'));
    await expect(new StateDir(dir('link')).claim()).rejects.toThrow(/is a symlink/);
  });

  it('does not read or write through a symlink planted in it: the link is replaced', async () => {
    const secret = dir('secret');
    await writeFile(secret, '4000000000\n', { mode: 0o600 });
    await mkdir(dir('planted'), { mode: 0o700 });
    await symlink(secret, path.join(dir('planted'), 'epoch'));
    const state = new StateDir(dir('planted'));
    await state.claim();
    // Read through the link, the secret's number would have been the epoch.
    expect(await state.nextEpoch(1000)).toBe(1000);
    expect(await readFile(secret, 'utf8')).toBe('4000000000\n');
    expect((await lstat(path.join(dir('planted'), 'epoch'))).isSymbolicLink()).toBe(false);
  });

  it('on a full disk names the file and what to do, and leaves no empty pid file or half-written state', async () => {
    const full = dir('full');
    await mkdir(full, { mode: 0o700 });
    await run('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tandem-test', full]);
    try {
      const state = new StateDir(full);
      await state.claim();
      expect(await state.nextEpoch(1000)).toBe(1000);
      await rm(state.pidFile);
      // Fill it (tmpfs refuses the write past its size with ENOSPC).
      await run('dd', ['if=/dev/zero', `of=${path.join(full, 'filler')}`, 'bs=4k', 'count=64'], { reject: false });
      await expect(state.claim()).rejects.toThrow(/cannot write .*tandem\.pid: its file system is full \(ENOSPC\): free some space there, or give another --state-dir/);
      await expect(stat(state.pidFile)).rejects.toThrow(/ENOENT/);
      await expect(state.nextEpoch(2000)).rejects.toThrow(/cannot write .*epoch: its file system is full/);
      expect(await readFile(path.join(full, 'epoch'), 'utf8')).toBe('1000\n');
      expect((await readdir(full)).sort()).toEqual(['epoch', 'filler']);
    } finally {
      await run('umount', [full], { reject: false });
    }
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

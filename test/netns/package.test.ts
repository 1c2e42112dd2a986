import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/pair.js';
import { run } from '../support/programs.js';

/*
 * The Debian package as an operator installs it: built by scripts/package, installed with
 * dpkg -i on this machine (root; it writes /usr, /etc and /run), then purged. The runtime
 * dependencies (nodejs, iproute2, iputils-arping, ipvsadm, procps) are there: scripts/test
 * installs them.
 */
describe('the Debian package', () => {
  let out: string;
  let deb: string;
  let installed = false;
  let madeKey = false;
  const KEY_FILE = '/etc/tandem/key';

  beforeAll(async () => {
    const owned = await run('dpkg-query', ['-W', '-f', '${Status}', 'tandem'], { reject: false });
    if (owned.stdout.includes('installed') || existsSync(KEY_FILE)) {
      throw new Error(`tandem is installed on this machine (package or ${KEY_FILE}); this test installs and purges its own: remove it first`);
    }
    out = await mkdtemp(path.join(os.tmpdir(), 'tandem-package-'));
    deb = (await run(path.join(ROOT, 'scripts/package'), ['--out', out], { timeout: 300_000 })).stdout.trim().split('\n').at(-1) as string;
  }, 320_000);

  afterAll(async () => {
    if (madeKey) await rm(KEY_FILE, { force: true });
    if (installed) await run('dpkg', ['--purge', 'tandem'], { reject: false });
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('is named tandem_VERSION_all.deb and holds the program, the command, the unit and the example', async () => {
    const version = (await import(path.join(ROOT, 'package.json'), { with: { type: 'json' } })).default.version as string;
    expect(path.basename(deb)).toBe(`tandem_${version}_all.deb`);
    const files = (await run('dpkg-deb', ['--contents', deb])).stdout;
    for (const f of ['./usr/bin/tandem ->', './usr/lib/tandem/dist/cli/main.js', './usr/lib/tandem/dist/config/schema-validator.js', './usr/lib/tandem/node_modules/pino/', './usr/lib/systemd/system/tandem.service', './usr/lib/tmpfiles.d/tandem.conf', './etc/tandem/tandem.example.yaml']) {
      expect(files).toContain(f);
    }
    // Production dependencies only: no compiler, test runner or linter.
    for (const dev of ['typescript', 'vitest', 'eslint', 'tsx']) expect(files).not.toContain(`./usr/lib/tandem/node_modules/${dev}/`);
    const control = (await run('dpkg-deb', ['--field', deb, 'Architecture', 'Depends'])).stdout;
    expect(control).toMatch(/Architecture: all/);
    expect(control).toMatch(/Depends: nodejs \(>= [\d.]+\), iproute2, iputils-arping, ipvsadm, iptables, procps/);
  });

  it('installs with dpkg -i: the command runs, checks the example, and the state dir exists for root only', async () => {
    await run('dpkg', ['-i', deb]);
    installed = true;
    const version = await run('/usr/bin/tandem', ['--version']);
    expect(version.stdout).toMatch(/^tandem \d+\.\d+\.\d+$/);
    // The packaged netlink addon (IPVS changes) loads from its prebuilt binary and opens a socket.
    const addon = "const n = require('/usr/lib/tandem/node_modules/netlink'); n.createGenericNetlink().socket.close(); console.log('opened')";
    expect((await run(process.execPath, ['-e', addon])).stdout).toBe('opened');
    // The example reads its key from /etc/tandem/key, as the operator makes it (README).
    const keyMissing = await run('/usr/bin/tandem', ['check', '--config', '/etc/tandem/tandem.example.yaml'], { reject: false, all: true });
    expect(keyMissing.exitCode).toBe(1);
    expect(keyMissing.all).toMatch(/tandem\.example\.yaml:\d+:\d+: auth: cannot read key file: .*\/etc\/tandem\/key'?; create one with: head -c 32 \/dev\/urandom/);
    await writeFile(KEY_FILE, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    madeKey = true;
    const check = await run('/usr/bin/tandem', ['check', '--config', '/etc/tandem/tandem.example.yaml'], { reject: false, all: true });
    expect(check.exitCode, check.all).toBe(0);
    const state = await stat('/run/tandem');
    expect(state.isDirectory()).toBe(true);
    expect(state.uid).toBe(0);
    expect(state.mode & 0o777).toBe(0o700);
  });

  it('ships a unit that systemd-analyze verify accepts, which starts only once /etc/tandem/tandem.yaml exists', async () => {
    const unit = '/usr/lib/systemd/system/tandem.service';
    const verify = await run('systemd-analyze', ['verify', unit], { reject: false, all: true });
    expect(verify.all ?? '').not.toMatch(/tandem\.service/);
    expect(verify.exitCode).toBe(0);
    const text = (await run('cat', [unit])).stdout;
    expect(text).toContain('ExecStart=/usr/bin/tandem run --config /etc/tandem/tandem.yaml --state-dir /run/tandem');
    expect(text).toContain('ConditionPathExists=/etc/tandem/tandem.yaml');
  });

  it('purges cleanly: the command and the unit are gone', async () => {
    await rm(KEY_FILE, { force: true });
    madeKey = false;
    await run('dpkg', ['--purge', 'tandem']);
    installed = false;
    expect(existsSync('/usr/bin/tandem')).toBe(false);
    expect(existsSync('/usr/lib/systemd/system/tandem.service')).toBe(false);
    expect(existsSync('/usr/lib/tandem')).toBe(false);
  });
});

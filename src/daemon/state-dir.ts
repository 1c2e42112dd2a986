import { constants } from 'node:fs';
import { lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { processAlive } from '../net/process.js';
import type { ReplayState } from '../vrrp/replay.js';

/** Reads a file, refusing a symlink in its place (ELOOP). */
export async function readNoFollow(file: string): Promise<string> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * Writes a file whole or not at all: into a new temporary file beside it, then renamed over it.
 * A full disk leaves the old content (and no empty pid file); a symlink planted in its place
 * (`epoch -> /etc/shadow`) is replaced, never written through.
 */
export async function writeNoFollow(file: string, text: string, mode = 0o600): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, mode);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (err) {
    await rm(temporary, { force: true });
    throw new Error(`cannot write ${file}: ${writeTrouble(err as NodeJS.ErrnoException)}`, { cause: err });
  }
}

function writeTrouble(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return `its file system is full (${err.code}): free some space there, or give another --state-dir`;
    case 'EROFS':
      return 'its file system is read-only (EROFS): give a writable --state-dir';
    default:
      return err.message;
  }
}

/**
 * The daemon's state directory: its pid file, control socket, boot epoch and the ledger of
 * VIPs it holds. Two daemons in two network namespaces on one machine use two directories.
 */
/** The longest unix socket path Linux keeps whole (sun_path is 108 bytes, NUL included). */
const SOCKET_PATH_MAX = 107;

export class StateDir {
  constructor(readonly dir: string) {}

  get pidFile(): string {
    return path.join(this.dir, 'tandem.pid');
  }
  get socketPath(): string {
    return path.join(this.dir, 'tandem.sock');
  }
  private get epochFile(): string {
    return path.join(this.dir, 'epoch');
  }
  private get drainsFile(): string {
    return path.join(this.dir, 'drains.json');
  }
  private get ledgerFile(): string {
    return path.join(this.dir, 'vips.json');
  }

  private get replayFile(): string {
    return path.join(this.dir, 'replay.json');
  }

  /**
   * Creates the directory and claims the pid file; refuses when another live daemon holds it,
   * and when another user could write in it (their files there would steer this daemon).
   */
  async claim(): Promise<void> {
    // The kernel keeps 107 bytes of a unix socket's path (sun_path): a longer one is cut, and
    // two state dirs alike in their first 107 bytes would share one control socket.
    const length = Buffer.byteLength(this.socketPath);
    if (length > SOCKET_PATH_MAX) {
      throw new Error(`state dir ${this.dir}: its control socket ${this.socketPath} would be ${length} bytes long, and a unix socket's path holds at most ${SOCKET_PATH_MAX}; use a shorter --state-dir`);
    }
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await this.checkOwnership();
    const other = await this.runningPid();
    if (other !== undefined && other !== process.pid) {
      throw new Error(`state dir ${this.dir}: tandem already runs with pid ${other}; stop it or use another --state-dir`);
    }
    await writeNoFollow(this.pidFile, `${process.pid}\n`, 0o644);
  }

  /** The directory itself: a real directory, ours, writable by nobody else. */
  private async checkOwnership(): Promise<void> {
    const st = await lstat(this.dir);
    const uid = process.getuid?.() ?? 0;
    const fix = `chown ${uid === 0 ? 'root' : uid} ${this.dir}; chmod 700 ${this.dir}, or use another --state-dir`;
    if (st.isSymbolicLink()) throw new Error(`state dir ${this.dir} is a symlink; give the real directory (${fix})`);
    if (!st.isDirectory()) throw new Error(`state dir ${this.dir} is not a directory`);
    if (st.uid !== uid) throw new Error(`state dir ${this.dir} is owned by uid ${st.uid}, not by this daemon's (${uid}): that user could plant files in it; ${fix}`);
    if (st.mode & 0o022) throw new Error(`state dir ${this.dir} is writable by ${st.mode & 0o002 ? 'everyone' : 'its group'} (mode ${(st.mode & 0o777).toString(8)}): they could plant files in it; ${fix}`);
  }

  async release(): Promise<void> {
    if ((await this.runningPid()) === process.pid) await rm(this.pidFile, { force: true });
  }

  /** The pid in the pid file if that process is alive (a zombie is not). */
  async runningPid(): Promise<number | undefined> {
    const text = await readNoFollow(this.pidFile).catch(() => '');
    const pid = Number(text.trim());
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    return processAlive(pid) ? pid : undefined;
  }

  /**
   * A boot epoch that grows with every start, even if the clock went back: peers refuse any
   * advert from an older epoch, so adverts captured before a restart cannot be replayed.
   */
  async nextEpoch(nowSeconds = Math.floor(Date.now() / 1000)): Promise<number> {
    const previous = Number((await readNoFollow(this.epochFile).catch(() => '0')).trim()) || 0;
    const epoch = Math.min(0xffffffff, Math.max(previous + 1, nowSeconds));
    await writeNoFollow(this.epochFile, `${epoch}\n`);
    return epoch;
  }

  /** VIPs (ADDRESS/PREFIX by interface) of the last config that ran here, for crash cleanup. */
  async readLedger(): Promise<Record<string, string[]>> {
    try {
      return JSON.parse(await readNoFollow(this.ledgerFile)) as Record<string, string[]>;
    } catch {
      return {};
    }
  }

  async writeLedger(ledger: Record<string, string[]>): Promise<void> {
    await writeNoFollow(this.ledgerFile, `${JSON.stringify(ledger)}\n`);
  }

  /** Servers an operator drained (tandem drain): they stay drained across restarts. */
  async readDrains(): Promise<string[]> {
    try {
      const list = JSON.parse(await readNoFollow(this.drainsFile)) as unknown;
      return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  }

  async writeDrains(keys: string[]): Promise<void> {
    await writeNoFollow(this.drainsFile, `${JSON.stringify(keys.sort())}\n`);
  }

  /** The replay guard's state of the last run: adverts older than it stay refused after a restart. */
  async readReplay(): Promise<ReplayState> {
    try {
      const state = JSON.parse(await readNoFollow(this.replayFile)) as unknown;
      return state && typeof state === 'object' && !Array.isArray(state) ? (state as ReplayState) : {};
    } catch {
      return {};
    }
  }

  async writeReplay(state: ReplayState): Promise<void> {
    await writeNoFollow(this.replayFile, `${JSON.stringify(state)}\n`);
  }
}

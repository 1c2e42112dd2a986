import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { processAlive } from '../net/process.js';

/**
 * The daemon's state directory: its pid file, control socket, boot epoch and the ledger of
 * VIPs it holds. Two daemons in two network namespaces on one machine use two directories.
 */
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

  /** Creates the directory and claims the pid file; refuses when another live daemon holds it. */
  async claim(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const other = await this.runningPid();
    if (other !== undefined && other !== process.pid) {
      throw new Error(`state dir ${this.dir}: tandem already runs with pid ${other}; stop it or use another --state-dir`);
    }
    await writeFile(this.pidFile, `${process.pid}\n`, { mode: 0o644 });
  }

  async release(): Promise<void> {
    if ((await this.runningPid()) === process.pid) await rm(this.pidFile, { force: true });
  }

  /** The pid in the pid file if that process is alive (a zombie is not). */
  async runningPid(): Promise<number | undefined> {
    const text = await readFile(this.pidFile, 'utf8').catch(() => '');
    const pid = Number(text.trim());
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    return processAlive(pid) ? pid : undefined;
  }

  /**
   * A boot epoch that grows with every start, even if the clock went back: peers refuse any
   * advert from an older epoch, so adverts captured before a restart cannot be replayed.
   */
  async nextEpoch(nowSeconds = Math.floor(Date.now() / 1000)): Promise<number> {
    const previous = Number((await readFile(this.epochFile, 'utf8').catch(() => '0')).trim()) || 0;
    const epoch = Math.min(0xffffffff, Math.max(previous + 1, nowSeconds));
    await writeFile(this.epochFile, `${epoch}\n`);
    return epoch;
  }

  /** VIPs (ADDRESS/PREFIX by interface) of the last config that ran here, for crash cleanup. */
  async readLedger(): Promise<Record<string, string[]>> {
    try {
      return JSON.parse(await readFile(this.ledgerFile, 'utf8')) as Record<string, string[]>;
    } catch {
      return {};
    }
  }

  async writeLedger(ledger: Record<string, string[]>): Promise<void> {
    await writeFile(this.ledgerFile, `${JSON.stringify(ledger)}\n`);
  }

  /** Servers an operator drained (tandem drain): they stay drained across restarts. */
  async readDrains(): Promise<string[]> {
    try {
      const list = JSON.parse(await readFile(this.drainsFile, 'utf8')) as unknown;
      return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  }

  async writeDrains(keys: string[]): Promise<void> {
    await writeFile(this.drainsFile, `${JSON.stringify(keys.sort())}\n`);
  }
}

import { readdir } from 'node:fs/promises';
import { watch } from 'chokidar';
import type { FSWatcher } from 'chokidar';
import type { Logger } from 'pino';
import { parseDrainKey } from './drain-key.js';

/**
 * ldirectord's maintenancedir: a file named after a server (`ADDRESS:PORT` or `ADDRESS`) in
 * the directory drains it; removing the file restores it. Every change rereads the whole
 * directory, so missed or reordered events cannot leave a stale state.
 */
export class MaintenanceDir {
  private watcher?: FSWatcher;
  private keys = new Set<string>();
  private rescan?: NodeJS.Timeout;
  private readonly warned = new Set<string>();

  constructor(
    readonly dir: string,
    private readonly log: Logger,
    private readonly onChange: (keys: ReadonlySet<string>) => void,
  ) {}

  get drained(): ReadonlySet<string> {
    return this.keys;
  }

  async start(): Promise<void> {
    await this.scan();
    this.watcher = watch(this.dir, { depth: 0, ignoreInitial: true });
    this.watcher.on('all', () => this.schedule());
    this.watcher.on('error', (err) => this.log.warn({ dir: this.dir, err: String(err) }, `maintenance dir ${this.dir}: ${String(err)}`));
  }

  async stop(): Promise<void> {
    if (this.rescan) clearTimeout(this.rescan);
    await this.watcher?.close();
  }

  /** Bursts of events (an editor, a script touching many files) end in one rescan. */
  private schedule(): void {
    if (this.rescan) clearTimeout(this.rescan);
    this.rescan = setTimeout(() => void this.scan(), 20);
  }

  private async scan(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn({ dir: this.dir }, `maintenance dir ${this.dir}: ${(err as Error).message}`);
      names = [];
    }
    const keys = new Set<string>();
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const parsed = parseDrainKey(name);
      if ('key' in parsed) keys.add(parsed.key);
      else if (!this.warned.has(name)) {
        this.warned.add(name);
        this.log.warn({ dir: this.dir, file: name }, `maintenance dir: ignoring ${name}: ${parsed.error}`);
      }
    }
    const before = [...this.keys].sort().join(' ');
    this.keys = keys;
    if ([...keys].sort().join(' ') !== before) {
      this.log.info({ dir: this.dir, drained: [...keys] }, `maintenance dir: ${keys.size ? [...keys].join(', ') : 'no server'} drained`);
      this.onChange(keys);
    }
  }
}

import { watch, writeFileSync } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { readTrackedValue } from '../check/file.js';
import type { Clock } from '../clock.js';
import type { TrackedFileConfig } from '../config/schema.js';

/** While a file's directory cannot be watched (it does not exist yet), the file is read this often. */
export const FILE_POLL_MS = 1000;

/**
 * One tracked file (Keepalived's track_file), kept read: at start, and whenever the kernel says
 * its directory changed (inotify through fs.watch, so an editor's rename-over counts too). A
 * value change calls `onChange`.
 */
export class FileTracker {
  /** The last value read (0 until then, as a missing file). */
  value = 0;
  private watcher?: FSWatcher;
  private poll?: unknown;
  private reading = false;
  private again = false;
  private stopped = false;

  constructor(
    readonly name: string,
    private readonly config: TrackedFileConfig,
    private readonly deps: { log: Logger; clock: Clock },
    private readonly onChange: () => void,
  ) {}

  async start(): Promise<void> {
    this.initialise();
    try {
      this.watcher = watch(path.dirname(this.config.path), { persistent: false }, (_event, file) => {
        if (file === null || file === path.basename(this.config.path)) void this.read();
      });
      this.watcher.on('error', (err) => this.pollInstead(err));
    } catch (err) {
      this.pollInstead(err as Error);
    }
    await this.read();
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.close();
    if (this.poll !== undefined) this.deps.clock.clear(this.poll);
  }

  /** init: the value written at start (when the file does not exist, or always with init_overwrite). */
  private initialise(): void {
    if (this.config.init === undefined) return;
    try {
      writeFileSync(this.config.path, `${this.config.init}\n`, { flag: this.config.init_overwrite ? 'w' : 'wx', mode: 0o644 });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') this.deps.log.warn({ file: this.name, path: this.config.path, code }, `tracked file ${this.name}: cannot write its init value to ${this.config.path}: ${(err as Error).message}`);
    }
  }

  private pollInstead(err: Error): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.stopped || this.poll !== undefined) return;
    this.deps.log.warn({ file: this.name, path: this.config.path }, `tracked file ${this.name}: cannot watch the directory of ${this.config.path} (${err.message}); reading it every ${FILE_POLL_MS / 1000} s`);
    const tick = () => {
      void this.read();
      this.poll = this.deps.clock.set(tick, FILE_POLL_MS);
    };
    this.poll = this.deps.clock.set(tick, FILE_POLL_MS);
  }

  /** Reads the file; reads asked for meanwhile make one more read after it. */
  private async read(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    try {
      do {
        this.again = false;
        let value: number | undefined;
        try {
          value = await readTrackedValue(this.config.path);
        } catch (err) {
          this.deps.log.warn({ file: this.name, path: this.config.path }, `tracked file ${this.name}: cannot read ${this.config.path}: ${(err as Error).message}; keeping ${this.value}`);
          continue;
        }
        if (value === undefined) {
          this.deps.log.warn({ file: this.name, path: this.config.path }, `tracked file ${this.name}: ${this.config.path} holds no number within 32 bits; keeping ${this.value}`);
          continue;
        }
        if (value !== this.value && !this.stopped) {
          this.deps.log.info({ file: this.name, value, was: this.value }, `tracked file ${this.name} now holds ${value}`);
          this.value = value;
          this.onChange();
        }
      } while (this.again);
    } finally {
      this.reading = false;
    }
  }
}

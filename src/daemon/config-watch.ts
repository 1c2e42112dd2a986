import { watch } from 'chokidar';
import type { FSWatcher } from 'chokidar';

/**
 * Watches the config file and the files it names (the advert key) and calls `onChange` once per
 * burst of events: editors write a file in several steps or save by renaming a new file over
 * the old one, and chokidar follows the path across the rename.
 */
export class ConfigWatcher {
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private files: string[] = [];

  constructor(
    private readonly onChange: (file: string) => void,
    private readonly quietMs = 25,
  ) {}

  /** Watches exactly these files (a reload may name another key file). */
  async watch(files: string[]): Promise<void> {
    const wanted = [...new Set(files)].sort();
    if (this.watcher && wanted.join('\n') === this.files.join('\n')) return;
    await this.watcher?.close();
    this.files = wanted;
    const watcher = watch(wanted, { ignoreInitial: true, atomic: true });
    this.watcher = watcher;
    watcher.on('all', (_event, file) => this.burst(file));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  }

  private burst(file: string): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onChange(file), this.quietMs);
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.watcher?.close();
  }
}

import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import path from 'node:path';

export interface WatchStatus {
  /** The files followed. */
  files: string[];
  /** Every directory watch is up. */
  alive: boolean;
  /** Why one is not (the directory is gone, too many watches), or null. */
  error: string | null;
}

/**
 * Follows the config file and the files it names (the advert key) and calls `onChange` once per
 * burst of events. It watches each file's directory, not the file: a watch on the file itself
 * follows an inode, which editors and tools replace (rename over, delete and create), and then
 * it silently hears nothing more. A directory watch hears every way a file is written: in
 * place, renamed over, deleted and created, touched, chmod-ed.
 */
export class ConfigWatcher {
  private watchers: FSWatcher[] = [];
  private timer?: NodeJS.Timeout;
  private files: string[] = [];
  private error: string | null = null;

  constructor(
    private readonly onChange: (file: string) => void,
    private readonly quietMs = 25,
  ) {}

  /**
   * Watches exactly these files (a reload may name another key file); a watch that died is
   * set up again, so a reload or SIGHUP revives it.
   */
  async watch(files: string[]): Promise<void> {
    const wanted = [...new Set(files.map((f) => path.resolve(f)))].sort();
    if (this.watchers.length && this.error === null && wanted.join('\n') === this.files.join('\n')) return;
    this.stopWatchers();
    this.files = wanted;
    this.error = null;
    const byDir = new Map<string, Set<string>>();
    for (const f of wanted) {
      const dir = path.dirname(f);
      if (!byDir.has(dir)) byDir.set(dir, new Set());
      byDir.get(dir)?.add(path.basename(f));
    }
    for (const [dir, names] of byDir) {
      try {
        const w = watch(dir, { persistent: false }, (_event, name) => {
          // No name: the kernel's queue overflowed; any of ours may have changed.
          if (name === null || names.has(name.toString())) this.burst(path.join(dir, name?.toString() ?? [...names][0] ?? ''));
        });
        w.on('error', (err) => this.died(dir, err));
        this.watchers.push(w);
      } catch (err) {
        this.died(dir, err as Error);
      }
    }
  }

  status(): WatchStatus {
    return { files: [...this.files], alive: this.watchers.length > 0 && this.error === null, error: this.error };
  }

  private died(dir: string, err: Error): void {
    this.error = `cannot watch ${dir}: ${err.message}; edits are not applied until it can (tandem reload or SIGHUP retries)`;
  }

  private burst(file: string): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onChange(file), this.quietMs);
  }

  private stopWatchers(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.stopWatchers();
  }
}

import type { Logger } from 'pino';
import type { Config, ScriptConfig, TrackedFileConfig } from '../config/schema.js';
import { FileTracker } from './file-tracker.js';
import type { LinkWatch, Seams } from './seams.js';
import { ScriptTracker } from './script-tracker.js';
import { trackedInterfaces } from './tracking.js';

/**
 * What the instances track, kept live: the links of their interfaces (watched), the tracking
 * scripts (run on their intervals) and the tracked files (read when they change). Any change calls `onChange`; the director then
 * recomputes the priorities (tracking.ts).
 */
export class TrackedInputs {
  private readonly scripts = new Map<string, ScriptTracker>();
  private readonly files = new Map<string, FileTracker>();
  private linkDown = new Map<string, string | undefined>();
  private linkKey = '';
  private links?: LinkWatch;

  constructor(
    private readonly seams: Pick<Seams, 'clock' | 'runScript' | 'watchLinks'>,
    private readonly log: Logger,
    private readonly onChange: () => void,
  ) {}

  /** Why an interface is down, or undefined when it is up (or not known yet). */
  linkDownWhy(iface: string): string | undefined {
    return this.linkDown.get(iface);
  }

  scriptUp(name: string): boolean {
    return this.scripts.get(name)?.up ?? true;
  }

  /** Creates a script's tracker (started by `startScripts` or at once with `start`). */
  addScript(name: string, config: ScriptConfig, start = false): void {
    const script = new ScriptTracker(name, config, { log: this.log, clock: this.seams.clock, run: this.seams.runScript }, this.onChange);
    this.scripts.set(name, script);
    if (start) script.start();
  }

  stopScript(name: string): void {
    this.scripts.get(name)?.stop();
    this.scripts.delete(name);
  }

  startScripts(): void {
    for (const script of this.scripts.values()) script.start();
  }

  fileValue(name: string): number {
    return this.files.get(name)?.value ?? 0;
  }

  /** Starts keeping a tracked file read (its first value is read before this resolves). */
  async addFile(name: string, config: TrackedFileConfig): Promise<void> {
    const file = new FileTracker(name, config, { log: this.log, clock: this.seams.clock }, this.onChange);
    this.files.set(name, file);
    await file.start();
  }

  stopFile(name: string): void {
    this.files.get(name)?.stop();
    this.files.delete(name);
  }

  /** Watches the interfaces the config's instances use or track; a new set replaces the old. */
  async watchLinks(config: Config): Promise<void> {
    const ifaces = trackedInterfaces(config);
    const key = [...ifaces].sort().join(' ');
    if (this.links && key === this.linkKey) return;
    this.links?.stop();
    this.linkKey = key;
    const fresh = new Map<string, string | undefined>();
    let ready = false;
    this.links = this.seams.watchLinks(ifaces, (iface, down) => {
      fresh.set(iface, down);
      // The first report covers every interface: the instances see one consistent picture.
      if (ready || fresh.size === ifaces.length) {
        ready = true;
        this.linkDown = fresh;
        this.onChange();
      }
    });
    await this.links.start();
  }

  stop(): void {
    this.links?.stop();
    for (const s of this.scripts.values()) s.stop();
    for (const f of this.files.values()) f.stop();
  }
}

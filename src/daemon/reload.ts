import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { diffConfigs } from '../config/diff.js';
import { ConfigError, formatIssue } from '../config/errors.js';
import type { LoadedConfig } from '../config/load.js';
import { authChanges } from '../vrrp/auth-changes.js';
import type { Director } from './director.js';
import { advertEndpoints } from './endpoints.js';
import { planReload } from './reload-plan.js';
import type { Seams } from './seams.js';

export interface ReloadRecord {
  at: string;
  trigger: string;
  ok: boolean;
  /** What changed, one line each. */
  summary: string[];
  /** Why the file was refused (file:line:column lines), or null. */
  error: string | null;
  ms: number;
}

export interface ReloadStatus {
  ok: number;
  failed: number;
  last: ReloadRecord | null;
  /** Changes in the file that only a restart applies (the reload that met them was refused). */
  pendingRestart: string[];
}

function queued(trigger: string, load: Load): Queued {
  let settle!: (run: Promise<ReloadRecord>) => void;
  const done = new Promise<ReloadRecord>((resolve) => (settle = resolve));
  // A refusal rejects `done` as it rejects the run; nobody may be listening (a file watch).
  done.catch(() => undefined);
  return { trigger, load, done, settle };
}

/** A reload refused (invalid file, a change only a restart applies, a sender not to be had). */
export class ReloadError extends Error {}

type Load = () => Promise<LoadedConfig>;

/** The reload to run once the running one is done, standing for every request made meanwhile. */
interface Queued {
  trigger: string;
  load: Load;
  done: Promise<ReloadRecord>;
  settle: (run: Promise<ReloadRecord>) => void;
}

/**
 * Reloads one at a time: loads the new config, plans the change, refuses it whole or has the
 * director execute the plan. Requests made while one runs are answered by one more reload after
 * it, with the newest request's loader: each caller learns the fate of a file read after its
 * request, never of an older one (`tandem reload` after an edit must not report the reload
 * that was already under way).
 */
export class Reloader {
  private running?: Promise<ReloadRecord>;
  private queued?: Queued;
  private readonly counts = { ok: 0, failed: 0 };
  private last: ReloadRecord | null = null;
  private pendingRestart: string[] = [];

  constructor(
    private readonly director: Director,
    private readonly deps: { log: Logger; clock: Clock; addresses: Seams['addresses']; before?: () => Promise<void> },
  ) {}

  reload(trigger: string, load: Load): Promise<ReloadRecord> {
    if (this.running || this.queued) {
      if (this.queued) Object.assign(this.queued, { trigger, load });
      else this.queued = queued(trigger, load);
      return this.queued.done;
    }
    this.running = this.once(trigger, load).finally(() => {
      this.running = undefined;
      // On the next turn: the callers of this reload see its outcome before the next one starts.
      if (this.queued) this.deps.clock.set(() => this.runQueued(), 0);
    });
    return this.running;
  }

  private runQueued(): void {
    const next = this.queued;
    this.queued = undefined;
    if (next) next.settle(this.reload(next.trigger, next.load));
  }

  status(): ReloadStatus {
    return { ...this.counts, last: this.last, pendingRestart: [...this.pendingRestart] };
  }

  private async once(trigger: string, load: () => Promise<LoadedConfig>): Promise<ReloadRecord> {
    const { log, clock } = this.deps;
    const started = clock.now();
    await this.deps.before?.();
    let next: LoadedConfig;
    try {
      next = await load();
    } catch (err) {
      const error = err instanceof ConfigError ? err.issues.map(formatIssue).join('\n') : (err as Error).message;
      throw this.refused(trigger, started, error, []);
    }
    const diff = diffConfigs(this.director.config, next.config, next.serviceChanges);
    for (const w of next.warnings) log.warn({ rule: w.rule }, `config: ${formatIssue(w)}`);
    this.pendingRestart = diff.needsRestart;
    let plan;
    try {
      plan = planReload(next.config, diff, advertEndpoints(next.config, this.deps.addresses, this.director.advertSources()), authChanges(this.director.auth, next.auth));
    } catch (err) {
      throw this.refused(trigger, started, (err as Error).message, diff.summary);
    }
    if (plan.refused.length) throw this.refused(trigger, started, plan.refused.join('\n'), plan.summary);
    try {
      await this.director.applyReload(next, plan.steps);
    } catch (err) {
      throw this.refused(trigger, started, (err as Error).message, plan.summary);
    }
    this.counts.ok += 1;
    const summary = plan.summary.length ? plan.summary : ['no change'];
    this.last = { at: clock.wall(), trigger, ok: true, summary, error: null, ms: Math.round(clock.now() - started) };
    log.info({ trigger, changes: summary, ms: this.last.ms }, `reloaded (${trigger}): ${summary.join('; ')}`);
    return this.last;
  }

  /** Records and logs a reload that did not happen; returns the error to throw. */
  private refused(trigger: string, started: number, error: string, summary: string[]): ReloadError {
    const { log, clock } = this.deps;
    this.counts.failed += 1;
    this.last = { at: clock.wall(), trigger, ok: false, summary, error, ms: Math.round(clock.now() - started) };
    log.error({ trigger, error }, `reload refused; the running config stays: ${error}`);
    return new ReloadError(error);
  }
}

import { writeSync } from 'node:fs';
import type { Logger } from 'pino';
import { systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import type { IpvsCommand } from './diff.js';
import { diffTables } from './diff.js';
import type { IpvsDriver } from './driver.js';
import { classify } from './driver.js';
import type { VirtualService } from './model.js';
import { realServerId, serviceId } from './model.js';

export interface ReconcilerOptions {
  exclusive: boolean;
  repairIntervalMs: number;
  /** Print the batch it would apply, apply nothing. */
  dryRun: boolean;
  log: Logger;
  /** Where --dry-run prints the batch (stdout by default). */
  print?: (text: string) => void;
  /** The daemon's clock (the system clock by default). */
  clock?: Clock;
}

export interface ServiceStatus {
  service: string;
  desired: string[];
  actual: string[] | null;
  inSync: boolean;
}

export interface IpvsStatus {
  dryRun: boolean;
  /** How changes reach the kernel: 'netlink', or 'ipvsadm' (with why not netlink). */
  transport: string;
  lastRun: string | null;
  lastSuccess: string | null;
  lastError: { kind: string; message: string } | null;
  /** Rules the kernel refused at the last attempt, with its words. */
  refused: { command: string; error: string }[];
  operations: number;
  batches: number;
  driftRepairs: number;
  /** Passes that failed (each is retried). */
  errors: number;
  services: ServiceStatus[];
}

const MIN_RETRY_MS = 1000;

/**
 * Keeps the kernel's IPVS table equal to the desired one: reads it, applies the difference in
 * one batch, and when the batch is refused re-reads and applies what is left one command at a
 * time to pinpoint the refused rule. Re-reads every repair interval (drift repair) and retries
 * failures with a doubling backoff. Never throws: failures are logged and kept in the status.
 */
export class Reconciler {
  private desired: VirtualService[] = [];
  private readonly retired = new Set<string>();
  private actual: VirtualService[] | null = null;
  private timer?: unknown;
  private running?: Promise<void>;
  private again = false;
  private retryMs = MIN_RETRY_MS;
  private stopped = false;
  /** The desired table last brought about: a difference while it holds is drift. */
  private settled?: string;
  private printed?: string;
  /** The desired table changed since the last pass: the next one may trust the table it knows. */
  private fresh = false;
  /** The last pass succeeded, so `actual` is what the kernel has (or had, if someone drifted it). */
  private known = false;
  private readonly stats: Omit<IpvsStatus, 'services' | 'dryRun' | 'transport'> = {
    lastRun: null,
    lastSuccess: null,
    lastError: null,
    refused: [],
    operations: 0,
    batches: 0,
    driftRepairs: 0,
    errors: 0,
  };

  constructor(
    private readonly driver: IpvsDriver,
    private options: ReconcilerOptions,
  ) {}

  /** A reload's new exclusive and repair interval; the next pass uses them. */
  setOptions(change: Pick<ReconcilerOptions, 'exclusive' | 'repairIntervalMs'>): void {
    this.options = { ...this.options, ...change };
  }

  /**
   * Sets the desired table and reconciles now. A service the previous table had and this one
   * has not (a reload removed it) is deleted from the kernel, exclusive or not.
   */
  setDesired(desired: VirtualService[]): Promise<void> {
    const ids = new Set(desired.map(serviceId));
    for (const s of this.desired) if (!ids.has(serviceId(s))) this.retired.add(serviceId(s));
    for (const id of ids) this.retired.delete(id);
    this.fresh = this.fresh || JSON.stringify(desired) !== JSON.stringify(this.desired);
    this.desired = desired;
    return this.reconcile();
  }

  /**
   * Runs one reconciliation (or queues one behind the running one) and re-arms the timer.
   * Settles when a pass that started after this call is over: the one queued, if any.
   */
  reconcile(): Promise<void> {
    if (this.running) {
      this.again = true;
      // The running pass's `finally` starts the queued one before this runs.
      return this.running.then(() => this.running);
    }
    this.running = this.pass().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.reconcile();
      }
    });
    return this.running;
  }

  private get clock(): Clock {
    return this.options.clock ?? systemClock;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clear(this.timer);
    this.driver.close?.();
  }

  private arm(ms: number): void {
    if (this.timer !== undefined) this.clock.clear(this.timer);
    if (this.stopped) return;
    this.timer = this.clock.set(() => void this.reconcile(), ms);
  }

  private async pass(): Promise<void> {
    this.stats.lastRun = this.clock.wall();
    // The table this pass brings about: setDesired may replace this.desired while it runs (the
    // pass queued behind it applies the newer one).
    const desired = this.desired;
    const wanted = JSON.stringify(desired);
    try {
      let unreadable: string | undefined;
      // A health change needs one ipvsadm run, not three: the table read at the last pass (and
      // kept up to date by it) is diffed against. Drift is still found by the periodic pass,
      // and a batch refused because the table moved is redone against a fresh read.
      const trusted = this.fresh && this.known && this.actual !== null && !this.options.dryRun;
      this.fresh = false;
      try {
        if (!trusted) this.actual = await this.driver.read();
      } catch (err) {
        // A dry run on a kernel without IPVS still shows the batch, against an empty table.
        const e = classify(err);
        if (!this.options.dryRun || (e.kind !== 'no-ipvs' && e.kind !== 'missing')) throw e;
        unreadable = e.message;
        this.actual = [];
      }
      const commands = diffTables(desired, this.actual ?? [], { exclusive: this.options.exclusive, retired: this.retired });
      if (commands.length && this.options.dryRun) {
        this.print(commands, unreadable);
      } else if (commands.length) {
        if (this.settled === wanted) {
          this.stats.driftRepairs += 1;
          this.options.log.warn({ operations: commands.length }, `IPVS table drifted from the config; repairing with ${commands.length} operation(s)`);
        }
        const whole = await this.apply(commands);
        // After a batch that went in whole, the table is known without reading it.
        this.actual = trusted && whole ? expectedTable(desired, this.actual ?? [], this.options.exclusive, this.retired) : await this.driver.read();
      }
      this.settled = wanted;
      this.stats.lastSuccess = this.clock.wall();
      this.stats.lastError = null;
      this.stats.refused = [];
      this.retryMs = MIN_RETRY_MS;
      this.known = true;
      this.arm(this.options.repairIntervalMs);
    } catch (err) {
      const e = classify(err);
      this.known = false;
      this.stats.errors += 1;
      this.stats.lastError = { kind: e.kind, message: e.message };
      this.options.log.error({ kind: e.kind, retryInMs: this.retryMs }, `IPVS: ${e.message}`);
      this.arm(this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, this.options.repairIntervalMs);
    }
  }

  /** Applies the commands; true when the batch went in whole, false when it was redone one by one. */
  private async apply(commands: IpvsCommand[]): Promise<boolean> {
    this.stats.batches += 1;
    try {
      await this.driver.applyBatch(commands);
      this.stats.operations += commands.length;
      this.options.log.info({ operations: commands.length }, `IPVS: applied ${commands.length} operation(s) in one batch`);
      return true;
    } catch (err) {
      const e = classify(err);
      if (e.kind !== 'refused') throw e;
      this.options.log.warn(`IPVS: ${e.message}; applying the rest one command at a time`);
    }
    // Part of the batch may have gone in: apply what is still missing, one by one.
    const rest = diffTables(this.desired, await this.driver.read(), { exclusive: this.options.exclusive, retired: this.retired });
    const refused: { command: string; error: string }[] = [];
    for (const command of rest) {
      try {
        await this.driver.applyOne(command);
        this.stats.operations += 1;
      } catch (err) {
        const e = classify(err, command);
        if (e.kind !== 'refused') throw e;
        refused.push({ command: command.join(' '), error: e.message });
      }
    }
    if (refused.length) {
      this.stats.refused = refused;
      throw new Error(`${refused.length} rule(s) refused by the kernel; first: ${refused[0]?.error}`);
    }
    return false;
  }

  private print(commands: IpvsCommand[], unreadable?: string): void {
    const batch = commands.map((c) => c.join(' ')).join('\n');
    if (batch === this.printed) return;
    this.printed = batch;
    const against = unreadable ? `# the kernel table could not be read (${unreadable}); diffed against an empty table\n` : '';
    const text = `# tandem --dry-run: the ipvsadm -R batch it would apply (${commands.length} operations)\n${against}${batch}\n`;
    // Written to fd 1 at once, as the log lines are: from the services thread, process.stdout
    // would pass it through the main thread and reorder it after later log lines.
    (this.options.print ?? ((t: string) => writeSync(1, t)))(text);
  }

  status(): IpvsStatus {
    const actualById = new Map((this.actual ?? []).map((s) => [serviceId(s), s]));
    return {
      dryRun: this.options.dryRun,
      transport: this.driver.transport?.() ?? 'ipvsadm',
      ...this.stats,
      refused: [...this.stats.refused],
      services: this.desired.map((want) => {
        const have = this.actual ? actualById.get(serviceId(want)) : undefined;
        const show = (s: VirtualService) => s.realServers.map((r) => `${realServerId(r)} w${r.weight}`);
        const desired = show(want);
        const actual = have ? show(have) : this.actual ? [] : null;
        return {
          service: serviceId(want),
          desired,
          actual,
          inSync: actual !== null && have !== undefined && diffTables([want], [have], { exclusive: false }).length === 0,
        };
      }),
    };
  }
}

/** The kernel's table once a diff's batch went in: the desired services, and the others it leaves. */
function expectedTable(desired: VirtualService[], before: VirtualService[], exclusive: boolean, retired: Set<string>): VirtualService[] {
  const ids = new Set(desired.map(serviceId));
  const kept = exclusive ? [] : before.filter((s) => !ids.has(serviceId(s)) && !retired.has(serviceId(s)));
  return [...structuredClone(desired), ...kept];
}

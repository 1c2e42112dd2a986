import type { Logger } from 'pino';
import type { CheckSpec } from './build.js';
import { buildChecker } from './build.js';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { Health } from './health.js';
import { CheckRunner } from './runner.js';
import { firstDelayMs } from './schedule.js';
import type { Checker } from './types.js';

export interface MonitorOptions {
  log: Logger;
  /** Called when a server's health changes in a way the table must follow. */
  /** May return a promise that settles when the change is in effect: the log line waits for it. */
  onChange: (spec: CheckSpec, health: Health) => Promise<void> | void;
  clock?: Clock;
  build?: (spec: CheckSpec) => Promise<Checker>;
  random?: () => number;
}

export interface MonitorUpdate {
  started: string[];
  kept: string[];
  stopped: string[];
}

/**
 * All the health checks of the config. `update` takes a new list of checks: a check whose
 * fingerprint is unchanged keeps its runner, schedule and health; the others start afresh.
 */
export class HealthMonitor {
  private readonly runners = new Map<string, CheckRunner>();
  private readonly clock: Clock;

  constructor(private readonly options: MonitorOptions) {
    this.clock = options.clock ?? systemClock;
  }

  async update(specs: CheckSpec[]): Promise<MonitorUpdate> {
    const wanted = new Map(specs.map((s) => [s.id, s]));
    const result: MonitorUpdate = { started: [], kept: [], stopped: [] };
    for (const [id, runner] of this.runners) {
      const spec = wanted.get(id);
      if (spec && spec.fingerprint === runner.spec.fingerprint) continue;
      runner.stop();
      this.runners.delete(id);
      if (!spec) result.stopped.push(id);
    }
    const fresh = specs.filter((s) => {
      const runner = this.runners.get(s.id);
      if (runner) {
        runner.spec = s;
        result.kept.push(s.id);
      }
      return !runner;
    });
    const build = this.options.build ?? ((spec: CheckSpec) => buildChecker(spec));
    const checkers = await Promise.all(fresh.map((s) => build(s)));
    const random = this.options.random ?? Math.random;
    fresh.forEach((spec, i) => {
      const runner = new CheckRunner(spec, checkers[i] as Checker, this.clock, (r, changed) => this.onResult(r, changed));
      this.runners.set(spec.id, runner);
      runner.start(firstDelayMs(i, fresh.length, spec.timing, random()));
      result.started.push(spec.id);
    });
    return result;
  }

  health(id: string): Health | undefined {
    return this.runners.get(id)?.health;
  }

  list(): { spec: CheckSpec; health: Health }[] {
    return [...this.runners.values()].map((r) => ({ spec: r.spec, health: r.health }));
  }

  stop(): void {
    for (const runner of this.runners.values()) runner.stop();
    this.runners.clear();
  }

  private onResult(runner: CheckRunner, changed: boolean): void {
    const { spec, health } = runner;
    const last = health.last;
    if (last && !last.ok) this.options.log.debug({ service: spec.service, server: spec.server, message: last.message }, 'check failed');
    if (!changed) return;
    const weight = health.weight !== undefined ? ` (weight ${health.weight})` : '';
    const tell = () =>
      this.options.log.info(
        { service: spec.service, server: spec.server, up: health.up, weight: health.weight, message: last?.message },
        `real server ${spec.server} of ${spec.service} is ${health.up ? 'up' : 'down'}${weight}: ${last?.message ?? ''}`,
      );
    // The table first, the log line once it is in the kernel: on one CPU, the write and the log
    // reader it wakes would run before the ipvsadm that applies the table.
    const applied = this.options.onChange(spec, health);
    if (applied) void applied.then(tell);
    else tell();
  }
}

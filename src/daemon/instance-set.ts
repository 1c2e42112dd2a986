import type { InstanceConfig } from '../config/schema.js';
import { InstanceRunner } from './instance.js';
import type { InstanceDeps } from './instance.js';

/**
 * The director's VRRP instances, by name and by VRID. An instance on its way out still hears
 * its VRID's adverts until it has stopped (its successor's first advert lets go of the VIPs),
 * and one that takes its VRID's place goes on with its advert sequence (the peers' replay
 * guards would refuse a sequence starting at 1 again).
 */
export class InstanceSet {
  readonly byName = new Map<string, InstanceRunner>();
  private readonly byVrid = new Map<number, InstanceRunner>();
  private readonly sequences = new Map<number, { epoch: number; seq: number }>();

  constructor(private readonly deps: InstanceDeps) {}

  add(inst: InstanceConfig, source: string): InstanceRunner {
    const runner = new InstanceRunner(inst, source, this.deps, this.sequences.get(inst.vrid));
    this.byName.set(inst.name, runner);
    this.byVrid.set(inst.vrid, runner);
    return runner;
  }

  /** Stops an instance gracefully; resolves once it has let go of its VIPs. */
  remove(name: string): Promise<void> {
    const runner = this.byName.get(name);
    if (!runner) return Promise.resolve();
    this.byName.delete(name);
    return runner.stop().then(() => {
      if (this.byVrid.get(runner.vrid) === runner) this.byVrid.delete(runner.vrid);
      this.sequences.set(runner.vrid, runner.sequence);
    });
  }

  get(name: string): InstanceRunner | undefined {
    return this.byName.get(name);
  }

  forVrid(vrid: number): InstanceRunner | undefined {
    return this.byVrid.get(vrid);
  }

  all(): InstanceRunner[] {
    return [...this.byName.values()];
  }

  get size(): number {
    return this.byName.size;
  }

  /** One by name, or all when no name is given. */
  select(name: unknown): InstanceRunner[] {
    if (name === undefined) return this.all();
    const runner = this.byName.get(String(name));
    if (!runner) throw new Error(`no instance named "${String(name)}" (known: ${[...this.byName.keys()].join(', ')})`);
    return [runner];
  }
}

import type { Clock } from '../../../src/clock.js';

/** A clock for check timing: time moves only when the test says so. */
export class FakeClock implements Clock {
  private t = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }
  epochMs(): number {
    return 1_700_000_000_000 + this.t;
  }
  defer(fn: () => void): void {
    this.set(fn, 0);
  }
  wall(): string {
    return new Date(1_700_000_000_000 + this.t).toISOString();
  }
  set(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clear(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Moves time forward to `until`, firing due timers in order and letting promises settle. */
  async advanceTo(until: number): Promise<void> {
    for (let guard = 0; guard < 100_000; guard++) {
      await flush();
      const next = [...this.timers.entries()].sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!next || next[1].at > until) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = until;
    await flush();
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

import type { Clock } from '../clock.js';

/** One thing to happen at a simulated time: a node's timer, a packet's arrival, a fault. */
interface Scheduled {
  at: number;
  seq: number;
  fn: () => void;
  /** The node whose process runs it; a paused node's events wait for its resume. */
  owner?: string;
  cancelled: boolean;
}

const START_EPOCH_MS = Date.UTC(2026, 0, 1);

/**
 * The simulator's discrete-event clock: events run in (time, insertion) order, one at a time,
 * and after each one every promise it started settles before the next one runs. Nothing real
 * (timers, sockets, processes) takes part, so a run is a pure function of its schedule.
 */
export class Scheduler {
  private queue: Scheduled[] = [];
  private seq = 0;
  private time = 0;
  private readonly paused = new Map<string, Scheduled[]>();
  /** Called after every event, once its promises have settled. */
  afterEvent?: () => void;
  events = 0;

  now(): number {
    return this.time;
  }

  at(at: number, fn: () => void, owner?: string): Scheduled {
    const item: Scheduled = { at: Math.max(at, this.time), seq: this.seq++, fn, owner, cancelled: false };
    this.push(item);
    return item;
  }

  /** The clock a node's director sees: its timers belong to the node (a pause holds them). */
  clockFor(owner: string, generation: () => boolean): Clock {
    const run = (fn: () => void) => () => {
      // A crashed node's timers die with its process.
      if (generation()) fn();
    };
    return {
      now: () => this.time,
      epochMs: () => START_EPOCH_MS + this.time,
      wall: () => new Date(START_EPOCH_MS + this.time).toISOString(),
      set: (fn, ms) => this.at(this.time + Math.max(0, ms), run(fn), owner),
      clear: (handle) => {
        if (handle) (handle as Scheduled).cancelled = true;
      },
      defer: (fn) => void this.at(this.time, run(fn), owner),
    };
  }

  pause(owner: string): void {
    if (!this.paused.has(owner)) this.paused.set(owner, []);
  }

  /** Resumes a paused node: what came due meanwhile runs now, in its order. */
  resume(owner: string): void {
    const held = this.paused.get(owner);
    this.paused.delete(owner);
    for (const item of held ?? []) {
      item.at = this.time;
      item.seq = this.seq++;
      this.push(item);
    }
  }

  isPaused(owner: string): boolean {
    return this.paused.has(owner);
  }

  /** Runs events up to `until` (inclusive); stops early after maxEvents (a runaway loop). */
  async runUntil(until: number, maxEvents = 2_000_000): Promise<void> {
    while (this.queue.length && (this.queue[0] as Scheduled).at <= until) {
      const item = this.pop();
      if (item.cancelled) continue;
      const held = item.owner === undefined ? undefined : this.paused.get(item.owner);
      if (held) {
        held.push(item);
        continue;
      }
      this.time = item.at;
      item.fn();
      await settle();
      this.events += 1;
      if (this.events > maxEvents) throw new Error(`simulation: more than ${maxEvents} events; a timer loop runs away`);
      this.afterEvent?.();
    }
    this.time = Math.max(this.time, until);
  }

  private push(item: Scheduled): void {
    const q = this.queue;
    q.push(item);
    let i = q.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(q[i] as Scheduled, q[parent] as Scheduled)) break;
      [q[i], q[parent]] = [q[parent] as Scheduled, q[i] as Scheduled];
      i = parent;
    }
  }

  private pop(): Scheduled {
    const q = this.queue;
    const top = q[0] as Scheduled;
    const last = q.pop() as Scheduled;
    if (q.length) {
      q[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < q.length && before(q[l] as Scheduled, q[m] as Scheduled)) m = l;
        if (r < q.length && before(q[r] as Scheduled, q[m] as Scheduled)) m = r;
        if (m === i) break;
        [q[i], q[m]] = [q[m] as Scheduled, q[i] as Scheduled];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** Lets every promise chain started by the event finish (they await only simulated parts). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

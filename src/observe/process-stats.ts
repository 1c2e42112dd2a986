import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { IntervalHistogram } from 'node:perf_hooks';

export interface ProcessStats {
  rssBytes: number;
  heapUsedBytes: number;
  /** CPU time since the process started. */
  cpuSeconds: { user: number; system: number };
  /** Event-loop delay in the last full window, ms: how late timers and I/O callbacks ran. */
  eventLoopDelayMs: { windowSeconds: number; p50: number; p99: number; max: number } | null;
}

const WINDOW_MS = 10_000;
const RESOLUTION_MS = 10;

/**
 * The daemon's own resource use. Event-loop delay is kept per 10 s window, so status shows
 * how the loop fares now rather than since boot.
 */
export class ProcessMonitor {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private readonly timer: NodeJS.Timeout;
  private last: ProcessStats['eventLoopDelayMs'] = null;

  constructor() {
    this.histogram.enable();
    this.timer = setInterval(() => this.rotate(), WINDOW_MS);
    this.timer.unref();
  }

  private rotate(): void {
    // The histogram holds the time between its samples: the resolution plus the delay.
    const ms = (ns: number) => Math.max(0, Math.round(ns / 1e4 - RESOLUTION_MS * 100) / 100);
    const h = this.histogram;
    this.last = { windowSeconds: WINDOW_MS / 1000, p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) };
    h.reset();
  }

  stats(): ProcessStats {
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage();
    return {
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      cpuSeconds: { user: cpu.user / 1e6, system: cpu.system / 1e6 },
      eventLoopDelayMs: this.last,
    };
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}

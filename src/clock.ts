import { performance } from 'node:perf_hooks';

/**
 * Time, injected: the daemon's one clock for VRRP timers, gratuitous ARP repeats, tracking
 * scripts, health checks and the IPVS reconciler. The system clock in production; the
 * simulator's virtual clock in tests, where a whole pair runs in simulated time.
 */
export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Wall-clock time, epoch milliseconds, for status readers (never for timers). */
  epochMs(): number;
  /** Wall-clock time, ISO 8601, for status. */
  wall(): string;
  /** Runs fn once after ms. The handle is for clear(); it does not keep the process alive. */
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
  /** Runs fn after the I/O already waiting has been handled (setImmediate). */
  defer(fn: () => void): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  epochMs: () => Date.now(),
  wall: () => new Date().toISOString(),
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
  defer: (fn) => void setImmediate(fn),
};

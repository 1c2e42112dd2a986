import { performance } from 'node:perf_hooks';

/** Time for the checks, injected so their timing is tested on a fake clock. */
export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Wall-clock time, ISO 8601, for status. */
  wall(): string;
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  wall: () => new Date().toISOString(),
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
